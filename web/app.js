/* rangectl dashboard: plain JavaScript, no framework, nothing from elsewhere.
 *
 * Talks to the API of docs/api.md under api/v1/ with the token
 * kept in sessionStorage, listens to api/v1/events (Server-Sent Events) and
 * refetches what an event says has changed. Everything the server sends
 * (guest output, trainee-written reports, messages) goes into the page as
 * text: textContent, text nodes and setAttribute, never innerHTML.
 */
'use strict';
(function () {
	const TOKEN_KEY = 'rangectl.token';
	const SVG_NS = 'http://www.w3.org/2000/svg';
	const SERIES = 8; /* colours (and dash patterns) in style.css */

	const S = {
		token: null,
		me: null,          /* whoami */
		exercise: null,    /* the exercise object, and when it arrived */
		exAt: 0,
		scores: null,
		history: null,
		uptime: null,      /* scores/uptime */
		range: null,       /* range: each team's digests */
		hosts: [],
		injects: [],
		messages: [],
		reports: [],
		coalition: null,   /* detection against the truth, for staff */
		es: null,
		esRetry: null,
		gradeForms: new Map(), /* report id -> its form, kept across renders */
		lastScores: new Map(), /* team id -> the values shown, to mark changes */
		seq: {},
		timers: new Map(),
		term: null,
		ws: null,
		rfb: null,
	};

	const $ = (id) => document.getElementById(id);

	/* ---- building the DOM: text only ----------------------------------- */

	function put(e, kids) {
		for (const k of kids.flat(Infinity)) {
			if (k == null || k === false) continue;
			e.append(k instanceof Node ? k : String(k));
		}
		return e;
	}

	function setAttrs(e, attrs) {
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v == null || v === false) continue;
			if (k === 'text') e.textContent = String(v);
			else if (k === 'dataset') Object.assign(e.dataset, v);
			else if (k.startsWith('on') && typeof v === 'function')
				e.addEventListener(k.slice(2), v);
			else e.setAttribute(k, v === true ? '' : String(v));
		}
		return e;
	}

	function el(tag, attrs, ...kids) {
		return put(setAttrs(document.createElement(tag), attrs), kids);
	}

	function svg(tag, attrs, ...kids) {
		return put(setAttrs(document.createElementNS(SVG_NS, tag), attrs), kids);
	}

	/* Rebuilds a container's children with build(), keeping the focus and
	 * the open <details> of elements that carry the same data-key. */
	function rerender(container, build) {
		const active = document.activeElement;
		const focusKey = active && container.contains(active) ? active.dataset.key : null;
		const open = new Set([...container.querySelectorAll('details[open][data-key]')]
			.map((d) => d.dataset.key));
		container.replaceChildren(...build());
		for (const d of container.querySelectorAll('details[data-key]'))
			if (open.has(d.dataset.key)) d.open = true;
		if (active && container.contains(active) && document.activeElement !== active) {
			active.focus();
		} else if (focusKey) {
			const again = [...container.querySelectorAll('[data-key]')]
				.find((e) => e.dataset.key === focusKey && e !== active);
			if (again) again.focus();
		}
	}

	/* ---- formatting ------------------------------------------------------ */

	function clockText(sec, long) {
		sec = Math.max(0, Math.floor(Number(sec) || 0));
		const h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
		const ss = String(s).padStart(2, '0');
		if (h > 0 || long) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
		return `${m}:${ss}`;
	}

	function exClock(sec) {
		return clockText(sec, S.exercise && S.exercise.duration >= 3600);
	}

	function num(n) {
		n = Number(n) || 0;
		return n.toLocaleString('en-US');
	}

	function signed(n) {
		n = Number(n) || 0;
		return n > 0 ? `+${num(n)}` : n < 0 ? `−${num(-n)}` : '0';
	}

	function teamName(id) {
		if (id == null) return 'everyone';
		const t = S.scores && S.scores.teams.find((x) => x.id === id);
		return t && t.name ? t.name : String(id);
	}

	function teamRole(id) {
		const t = S.scores && S.scores.teams.find((x) => x.id === id);
		return t ? t.role : null;
	}

	function seriesOf(id) {
		const teams = (S.scores && S.scores.teams) || [];
		const i = teams.findIndex((t) => t.id === id);
		return (i < 0 ? 0 : i) % SERIES;
	}

	const isController = () => S.me && S.me.role === 'controller';
	const isInstructor = () => S.me && S.me.role === 'instructor';
	const isTrainee = () => S.me && S.me.role === 'trainee';
	const seesMsel = () => isController() || isInstructor();

	/* ---- talking to the server -------------------------------------------- */

	class ApiError extends Error {
		constructor(status, message) {
			super(message);
			this.status = status;
		}
	}

	/*
	 * A token goes in the Authorization header. A session's cookie goes by
	 * itself (HttpOnly: this script never sees it); what changes something
	 * carries the session's CSRF token too (docs/api.md).
	 */
	function authHeaders(method) {
		if (S.token) return { Authorization: `Bearer ${S.token}` };
		if (method !== 'GET' && method !== 'HEAD' && S.csrf) return { 'X-CSRF-Token': S.csrf };
		return {};
	}

	/* ?token= where a browser cannot send a header; nothing for a session. */
	function streamQuery() {
		return S.token ? `?token=${encodeURIComponent(S.token)}` : '';
	}

	async function api(method, path, body) {
		const opts = { method, cache: 'no-store', headers: authHeaders(method) };
		if (body !== undefined) {
			opts.headers['Content-Type'] = 'application/json';
			opts.body = JSON.stringify(body);
		}
		let r;
		try {
			r = await fetch(`api/v1/${path}`, opts);
		} catch (e) {
			throw new ApiError(0, 'the server does not answer');
		}
		const text = await r.text();
		let data = null;
		if (text) {
			try {
				data = JSON.parse(text);
			} catch (e) {
				data = null;
			}
		}
		if (!r.ok) {
			const msg = data && typeof data.error === 'string' ? data.error : `HTTP ${r.status}`;
			if (r.status === 401 && S.me)
				logout(S.token ? 'The server no longer accepts your token: log in again.'
					: 'Your session has ended: log in again.');
			throw new ApiError(r.status, msg);
		}
		return data;
	}

	/* Each loader fetches one thing and draws it; a newer answer wins. */
	const loaders = {
		exercise: ['exercise', (d) => setExercise(d)],
		scores: ['scores', (d) => { S.scores = d; renderScores(); renderChart(); }],
		history: ['scores/history', (d) => { S.history = d; renderChart(); }],
		uptime: ['scores/uptime', (d) => { S.uptime = d; renderUptime(); }],
		range: ['range', (d) => { S.range = d; renderRange(); }],
		hosts: ['hosts', (d) => { S.hosts = Array.isArray(d) ? d : []; renderHosts(); }],
		injects: ['injects', (d) => { S.injects = Array.isArray(d) ? d : []; renderMsel(); }],
		messages: ['messages', (d) => { S.messages = Array.isArray(d) ? d : []; renderMessages(); }],
		reports: null, /* loadReports(): in pages, and only what is new */
		intel: ['intel', (d) => { S.intel = Array.isArray(d) ? d : []; renderIntel(); }],
		coalition: ['coalition', (d) => { S.coalition = d; renderDetection(); }],
	};

	/*
	 * The report list, a page of REPORT_PAGE at a time: all of it (at login
	 * and when the live stream reconnects), or only the reports after the
	 * last one held. A report the server no longer knows after (404) means
	 * starting again from the first.
	 */
	const REPORT_PAGE = 500;
	async function loadReports(all) {
		const seq = (S.seq.reports = (S.seq.reports || 0) + 1);
		const me = S.me;
		let list = all ? [] : S.reports.slice();
		try {
			for (;;) {
				const last = list.length ? list[list.length - 1].id : null;
				const q = `reports?limit=${REPORT_PAGE}${last != null ? `&after=${encodeURIComponent(last)}` : ''}`;
				let page;
				try {
					page = await api('GET', q);
				} catch (e) {
					if (e.status !== 404 || !list.length) throw e;
					list = [];
					continue;
				}
				if (!Array.isArray(page)) break;
				list = list.concat(page);
				if (page.length < REPORT_PAGE) break;
			}
			if (S.me === me && S.seq.reports === seq) {
				S.reports = list;
				renderReports();
			}
		} catch (e) {
			if (S.me === me && e.status !== 401) showError(`Could not load the reports: ${e.message}`);
		}
	}

	/* A grade from the live stream, onto the report it grades. */
	function applyGrade(d) {
		const r = d && S.reports.find((x) => x.id === d.report);
		if (!r) return refresh('reports');
		r.grade = { points: d.points, comment: d.comment ?? null, by: d.by ?? null, t: d.t };
		renderReports();
	}

	async function load(what, all = true) {
		if (!S.me) return;
		if (what === 'injects' && !seesMsel()) return;
		if (what === 'reports') return loadReports(all);
		if (what === 'intel' && !seesCoalition()) return;
		if (what === 'coalition' && !seesMsel()) return;
		const [path, apply] = loaders[what];
		const seq = (S.seq[what] = (S.seq[what] || 0) + 1);
		const me = S.me;
		try {
			const d = await api('GET', path);
			if (S.me === me && S.seq[what] === seq) apply(d);
		} catch (e) {
			if (S.me === me && e.status !== 401) showError(`Could not load ${path}: ${e.message}`);
		}
	}

	/* Coalesces the refetches that a burst of events asks for. */
	function refresh(what) {
		if (S.timers.has(what)) return;
		S.timers.set(what, setTimeout(() => {
			S.timers.delete(what);
			load(what, false);
		}, 120));
	}

	function loadAll() {
		for (const what of Object.keys(loaders)) load(what);
	}

	/* ---- live events ------------------------------------------------------ */

	function parse(ev) {
		try {
			return JSON.parse(ev.data);
		} catch (e) {
			return null;
		}
	}

	function setLive(state, text) {
		const live = $('live');
		live.dataset.live = state;
		live.textContent = text;
	}

	function connectEvents() {
		closeEvents();
		const es = new EventSource(`api/v1/events${streamQuery()}`);
		S.es = es;
		es.addEventListener('open', () => {
			setLive('on', 'live');
			loadAll(); /* whatever happened while we were not listening */
		});
		es.addEventListener('error', () => {
			if (S.es !== es) return;
			if (es.readyState === EventSource.CLOSED) {
				/* Refused outright: a bad token, or the server is gone. */
				setLive('off', S.exercise && S.exercise.state === 'ended'
					? 'exercise over: the server has stopped' : 'offline: retrying');
				closeEvents();
				S.esRetry = setTimeout(async () => {
					try {
						await api('GET', 'whoami');
						if (S.me) connectEvents();
					} catch (e) {
						if (S.me && e.status !== 401) connectEvents();
					}
				}, 3000);
			} else if (S.exercise && S.exercise.state === 'ended') {
				/* rangectl run ends with the exercise. */
				setLive('off', 'exercise over: the server has stopped');
			} else {
				setLive('off', 'reconnecting…');
			}
		});
		es.addEventListener('score', (ev) => {
			const d = parse(ev);
			if (!d || !Array.isArray(d.teams)) return refresh('scores');
			const newRound = !S.scores || d.round !== S.scores.round;
			S.scores = d;
			renderScores();
			renderChart();
			if (newRound) {
				refresh('history');
				refresh('hosts');
				refresh('uptime');
			}
		});
		es.addEventListener('state', (ev) => {
			const d = parse(ev);
			if (d && typeof d.state === 'string') setExercise(d);
			else refresh('exercise');
		});
		es.addEventListener('round', () => {
			refresh('history');
			refresh('hosts');
		});
		es.addEventListener('inject', () => {
			refresh('injects');
			refresh('coalition');
		});
		es.addEventListener('host', (ev) => {
			const d = parse(ev);
			const h = d && S.hosts.find((x) => x.name === d.name);
			if (h && typeof d.state === 'string') {
				h.state = d.state;
				h.reason = d.reason;
				renderHosts();
			}
			refresh('hosts');
		});
		es.addEventListener('message', () => refresh('messages'));
		es.addEventListener('intel', () => {
			refresh('intel');
			refresh('coalition');
		});
		es.addEventListener('range', () => refresh('range'));
		es.addEventListener('report', (ev) => {
			const d = parse(ev);
			refresh('coalition');
			if (d && d.type === 'grade') applyGrade(d);
			else refresh('reports'); /* only the new ones */
		});
	}

	function closeEvents() {
		clearTimeout(S.esRetry);
		S.esRetry = null;
		if (S.es) S.es.close();
		S.es = null;
	}

	/* ---- login and logout -------------------------------------------------- */

	/* POST a JSON body without a token; the answer, or an ApiError. */
	async function post(path, body) {
		let r;
		try {
			r = await fetch(`api/v1/${path}`, {
				method: 'POST', cache: 'no-store',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify(body),
			});
		} catch (e) {
			throw new ApiError(0, 'the server does not answer');
		}
		const data = await r.json().catch(() => null);
		if (!r.ok) throw new ApiError(r.status, data && typeof data.error === 'string' ? data.error : `HTTP ${r.status}`);
		return data;
	}

	/* A name and password: the server sets the session's cookie. */
	async function loginPassword(name, password) {
		const me = await post('login', { name, password });
		if (!me || typeof me.role !== 'string' || typeof me.csrf !== 'string')
			throw new ApiError(0, 'the server gave no identity');
		S.token = null;
		S.csrf = me.csrf;
		S.me = { name: me.name, role: me.role, team: me.team };
		showDash();
	}

	/* A page reloaded: the session's cookie, if it is still open. */
	async function resumeSession() {
		let me;
		try {
			me = await api('GET', 'whoami');
		} catch (e) {
			return false;
		}
		if (!me || typeof me.csrf !== 'string') return false;
		S.csrf = me.csrf;
		S.me = { name: me.name, role: me.role, team: me.team };
		showDash();
		return true;
	}

	async function login(token) {
		S.token = token;
		let me;
		try {
			me = await api('GET', 'whoami');
		} catch (e) {
			S.token = null;
			throw e;
		}
		if (!me || typeof me.role !== 'string') {
			S.token = null;
			throw new ApiError(0, 'the server gave no identity for this token');
		}
		S.me = me;
		sessionStorage.setItem(TOKEN_KEY, token);
		showDash();
	}

	function showDash() {
		const me = S.me;
		document.body.dataset.role = me.role;
		$('login').hidden = true;
		$('bar').hidden = false;
		$('dash').hidden = false;
		$('who-name').textContent = me.name;
		$('who-role').textContent = me.team ? `${me.role} · ${me.team}` : me.role;
		$('who-role').dataset.role = me.role;
		/* Control grades and adjusts: those two side by side under the MSEL.
		 * The panels move in the DOM, not by CSS order, so that the keyboard
		 * goes through them in the order they are seen. */
		const order = isController()
			? ['controls', 'scoreboard', 'chart-panel', 'uptime-panel', 'msel', 'detection', 'reports', 'adjust', 'hosts', 'messages', 'range-panel', 'accounts']
			: ['controls', 'scoreboard', 'chart-panel', 'uptime-panel', 'msel', 'detection', 'hosts', 'flag-panel', 'messages', 'reports', 'coalition', 'adjust', 'range-panel'];
		for (const id of order) $('dash').append($(id));
		$('controls').hidden = !isController();
		$('adjust').hidden = !isController();
		$('accounts').hidden = !isController();
		if (isController()) loadAccounts();
		$('vpn').hidden = true;
		if (isTrainee()) loadVpn();
		$('msel').hidden = !seesMsel();
		$('detection').hidden = true; /* until the figures say it is measured */
		$('report-form').hidden = true; /* until the team's role is known */
		$('flag-panel').hidden = true;
		$('coalition').hidden = true;
		$('hosts-h').textContent = isTrainee() ? "Your team's machines" : 'Machines';
		$('messages-h').textContent = isTrainee() ? 'Messages to your team' : 'Messages';
		$('reports-h').textContent = isTrainee() ? "Your team's incident reports" : 'Incident reports';
		setLive('connecting', 'connecting…');
		loadAll();
		connectEvents();
		/* Focusing main would scroll it under the sticky header, and the
		 * controller's Start/Pause/Stop with it: focus without scrolling,
		 * from the top of the page. */
		$('main').focus({ preventScroll: true });
		window.scrollTo(0, 0);
	}

	function logout(why) {
		/* A session ends on the server too (its cookie is cleared there). */
		if (!S.token && S.me && !why) api('POST', 'logout').catch(() => {});
		closeEvents();
		closeConsole();
		/* The QR code holds a private key: it goes with the person. */
		$('vpn-qr-box').replaceChildren();
		$('vpn').hidden = true;
		for (const t of S.timers.values()) clearTimeout(t);
		S.timers.clear();
		sessionStorage.removeItem(TOKEN_KEY);
		Object.assign(S, {
			token: null, csrf: null, me: null, exercise: null, scores: null, history: null, uptime: null, range: null,
			hosts: [], injects: [], messages: [], reports: [], intel: [], coalition: null,
		});
		S.gradeForms.clear();
		S.lastScores.clear();
		S.seq = {};
		delete document.body.dataset.role;
		for (const id of ['score-rows', 'uptime-head', 'uptime-rows', 'chart', 'chart-legend', 'msel-strip', 'msel-rows',
			'host-rows', 'message-list', 'report-list', 'intel-list', 'detection-head', 'detection-rows',
			'detection-team-rows', 'range-rows', 'range-differ'])
			$(id).replaceChildren();
		$('detection').hidden = true;
		$('report-form').reset();
		$('flag-form').reset();
		$('intel-form').reset();
		$('coalition').hidden = true;
		$('adjust-form').reset();
		hideError();
		$('bar').hidden = true;
		$('dash').hidden = true;
		$('login').hidden = false;
		$('login-error').textContent = why || '';
		$('token').value = '';
		$('login-password').value = '';
		$('login-name').focus();
		document.title = 'rangectl dashboard';
	}

	/* ---- messages to the user --------------------------------------------- */

	let toastTimer = null;
	function toast(text) {
		const t = $('toast');
		t.textContent = text;
		t.classList.add('show');
		clearTimeout(toastTimer);
		toastTimer = setTimeout(() => t.classList.remove('show'), 5000);
	}

	function showError(text) {
		$('alert-text').textContent = text;
		$('alert').hidden = false;
	}

	function hideError() {
		$('alert').hidden = true;
		$('alert-text').textContent = '';
	}

	/* Runs a command from a button: busy while it runs, errors shown. */
	async function act(button, what, fn) {
		if (button) button.disabled = true;
		try {
			const r = await fn();
			hideError();
			return r;
		} catch (e) {
			showError(`${what}: ${e.message}`);
			return undefined;
		} finally {
			if (button) {
				button.disabled = false;
				updateControls();
			}
		}
	}

	/* ---- the exercise clock ------------------------------------------------- */

	function setExercise(x) {
		S.exercise = x;
		S.exAt = performance.now();
		document.title = `${x.title || x.name || 'rangectl'}: ${x.state}`;
		$('ex-title').textContent = x.title || x.name || 'rangectl';
		const st = $('clock-state');
		st.textContent = x.state;
		st.dataset.state = x.state;
		$('clock-duration').textContent = exClock(x.duration);
		$('clock-speed').textContent = x.speed && x.speed !== 1 ? `×${x.speed}` : '';
		$('clock-speed').title = x.speed && x.speed !== 1 ? `the clock runs ${x.speed} times faster than real time` : '';
		updateControls();
		tick();
		renderChart();
		if (seesMsel()) renderMselButtons();
	}

	function elapsedNow() {
		const x = S.exercise;
		if (!x) return 0;
		let e = Number(x.elapsed) || 0;
		if (x.state === 'running') e += ((performance.now() - S.exAt) / 1000) * (Number(x.speed) || 1);
		return x.duration ? Math.min(e, x.duration) : e;
	}

	function tick() {
		if (!S.exercise) return;
		const e = elapsedNow();
		$('clock-elapsed').textContent = exClock(e);
		const p = $('clock-progress');
		p.max = S.exercise.duration || 1;
		p.value = Math.min(e, p.max);
		const now = $('msel-strip').querySelector('.now');
		if (now && S.exercise.duration) {
			const x = stripX(e);
			now.setAttribute('x1', x);
			now.setAttribute('x2', x);
		}
	}

	function updateControls() {
		const st = S.exercise ? S.exercise.state : null;
		const allow = {
			start: st === 'pending',
			pause: st === 'running',
			resume: st === 'paused',
			stop: st === 'running' || st === 'paused',
		};
		for (const b of $('controls').querySelectorAll('button[data-cmd]'))
			b.disabled = !allow[b.dataset.cmd];
		const hints = {
			pending: 'The clock has not started: Start runs it from 0:00.',
			running: 'The clock is running.',
			paused: 'The clock is paused: no inject fires and no round is scored.',
			ended: 'The exercise has ended.',
		};
		$('controls-hint').textContent = hints[st] || '';
	}

	async function clockCommand(button) {
		const cmd = button.dataset.cmd;
		if (cmd === 'stop' && !window.confirm('Stop the exercise? The clock ends for good.')) return;
		const x = await act(button, `Could not ${cmd} the exercise`, () => api('POST', `exercise/${cmd}`));
		if (x && typeof x.state === 'string') {
			setExercise(x);
			toast(`Exercise ${x.state}.`);
		}
	}

	/* ---- the scoreboard ---------------------------------------------------- */

	function scoreTeams() {
		const teams = (S.scores && S.scores.teams) || [];
		/* Control's own team is never scored: leave it off unless it has points. */
		return teams.filter((t) => t.role !== 'white' || t.score || t.adjustments);
	}

	/* Blue ranked among blue, red among red, white after them unranked. */
	const ROLE_ORDER = { blue: 0, red: 1, white: 2 };
	const ROLE_GROUP = { blue: 'Blue teams', red: 'Red teams', white: 'White (not ranked)' };

	function renderScores() {
		const s = S.scores;
		if (!s) return;
		$('round').textContent = `round ${s.round}`;
		const teams = scoreTeams().slice().sort((a, b) => ((ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3))
			|| (b.score - a.score) || String(a.name).localeCompare(String(b.name)));
		const cols = ['score', 'availability', 'penalties', 'sla', 'reports', 'adjustments', 'flagsNet'];
		const rows = [];
		let group = null;
		for (const t of teams) {
			if (t.role !== group) {
				group = t.role;
				rows.push(el('tr', { class: 'group', dataset: { role: t.role } },
					el('th', { scope: 'colgroup', colspan: '9' }, ROLE_GROUP[t.role] || t.role)));
			}
			const before = S.lastScores.get(t.id);
			const cell = (k, text, cls) => el('td', {
				class: ['num', cls, before && before[k] !== t[k] ? 'changed' : null].filter(Boolean).join(' '),
				dataset: { col: k },
			}, text);
			const mine = S.me && S.me.team === t.id;
			const sla = t.sla || 0;
			/* Red's flags taken, less blue's lost: one column for both. */
			t.flagsNet = (t.flags || 0) - (t.flags_lost || 0);
			rows.push(el('tr', { dataset: { team: t.id, role: t.role }, class: mine ? 'mine' : null },
				el('td', { class: 'num rank' }, t.rank != null ? String(t.rank) : '–'),
				el('th', { scope: 'row', class: 'team' },
					el('span', { class: 'who' },
						el('span', { class: `swatch series-${seriesOf(t.id)}`, 'aria-hidden': 'true' }),
						el('span', { class: 'name' }, t.name || t.id)),
					mine ? el('span', { class: 'badge small mine' }, 'your team') : null),
				cell('score', num(t.score), 'total'),
				cell('availability', num(t.availability)),
				cell('penalties', t.penalties ? `−${num(t.penalties)}` : '0', t.penalties ? 'bad' : null),
				cell('sla', sla ? `−${num(sla)}` : '0', sla ? 'bad' : null),
				cell('reports', num(t.reports)),
				cell('adjustments', signed(t.adjustments)),
				cell('flagsNet', signed(t.flagsNet), t.flagsNet < 0 ? 'bad' : null)));
		}
		for (const t of teams) S.lastScores.set(t.id, Object.fromEntries(cols.map((k) => [k, t[k]])));
		$('score-rows').replaceChildren(...rows);
		fillTeamSelect();
		updateReportForm();
	}

	/* ---- the uptime grid: team × service ------------------------------------ */

	function renderUptime() {
		const u = S.uptime;
		if (!u || !Array.isArray(u.teams)) return;
		$('uptime-sla').textContent = u.sla
			? `SLA: ${u.sla.after} failed rounds in a row of one service cost its team ${num(u.sla.penalty)} points, once per outage.`
			: 'No SLA rule: an outage costs only the points not earned.';
		/* The columns: every service id, in the order first seen. */
		const services = [];
		for (const t of u.teams)
			for (const h of t.hosts || [])
				for (const c of h.services || [])
					if (!services.includes(c.id)) services.push(c.id);
		/*
		 * Downtime by cause: the API gives it to controllers, instructors
		 * and white only (a trainee learning that an attack broke a
		 * service would be told it was attacked), so its column shows
		 * exactly when the answer carries it.
		 */
		const split = u.teams.some((t) => t.downtime);
		$('uptime-head').replaceChildren(
			el('th', { scope: 'col' }, 'Team'),
			el('th', { scope: 'col', class: 'num' }, 'Uptime'),
			...(split ? [el('th', { scope: 'col', class: 'num', title: 'Downtime caused by injects / by the team itself' },
				'Down: attack / self')] : []),
			...services.map((id) => el('th', { scope: 'col' }, id)));
		const downCell = (d) => {
			d = d || { attack: 0, self: 0, attack_rounds: 0, self_rounds: 0 };
			const label = `Down ${clockText(d.attack)} by attacks (${d.attack_rounds} rounds), `
				+ `${clockText(d.self)} by the team itself (${d.self_rounds} rounds)`;
			return el('td', { class: 'num downtime', title: label, 'aria-label': label,
				dataset: { attack: String(d.attack), self: String(d.self) } },
				`${clockText(d.attack)} / ${clockText(d.self)}`);
		};
		const pct = (x) => (x.uptime == null ? '–' : `${x.uptime}%`);
		const rows = u.teams.filter((t) => (t.hosts || []).length).map((t) => {
			const team = S.scores && S.scores.teams.find((x) => x.id === t.id);
			const cells = services.map((id) => {
				const chips = [];
				for (const h of t.hosts)
					for (const c of h.services)
						if (c.id === id) {
							const state = ['up', 'down'].includes(c.state) ? c.state : 'unknown';
							const label = `${h.name} ${c.id}: ${state}, ${pct(c)} of ${c.rounds} rounds`
								+ `${c.breaches ? `, ${c.breaches} SLA breach${c.breaches === 1 ? '' : 'es'}` : ''}`
								+ `${c.downtime ? `; down ${clockText(c.downtime.attack)} by attacks, ${clockText(c.downtime.self)} self` : ''}`;
							chips.push(el('span', { class: `cell-chip ${state}`, title: label, 'aria-label': label,
								dataset: { host: h.name, service: c.id, state } }, pct(c)));
						}
				return el('td', { class: 'chips' }, ...(chips.length ? chips : [el('span', { class: 'empty' }, '')]));
			});
			return el('tr', { dataset: { team: t.id }, class: S.me && S.me.team === t.id ? 'mine' : null },
				el('th', { scope: 'row' }, (team && team.name) || t.id),
				el('td', { class: 'num' }, pct(t)),
				...(split ? [downCell(t.downtime)] : []),
				...cells);
		});
		$('uptime-rows').replaceChildren(...rows);
	}

	/* ---- the same range for every team: each team's digest ----------------- */

	function renderRange() {
		const r = S.range;
		const teams = r && Array.isArray(r.teams) ? r.teams : [];
		const differ = r && Array.isArray(r.differ) ? r.differ : [];
		const odd = (id) => differ.some((line) => line.startsWith(`team '${id}' `));
		$('range-rows').replaceChildren(...teams.map((t) => el('tr',
			{ dataset: { team: t.team }, class: S.me && S.me.team === t.team ? 'mine' : null },
			el('th', { scope: 'row' }, teamName(t.team)),
			el('td', null, el('code', { title: t.digest }, String(t.digest).slice(0, 16))),
			el('td', { class: odd(t.team) ? 'differs' : 'same' }, odd(t.team) ? 'no' : 'yes'))));
		$('range-differ').replaceChildren(...differ.map((line) => el('li', null, line)));
		$('range-empty').hidden = teams.length > 0;
	}

	function fillTeamSelect() {
		const sel = $('adjust-team');
		const keep = sel.value;
		const teams = (S.scores && S.scores.teams) || [];
		const sig = teams.map((t) => `${t.id}=${t.name}`).join('|');
		if (sel.dataset.sig === sig) return;
		sel.dataset.sig = sig;
		sel.replaceChildren(...teams.map((t) => el('option', { value: t.id }, `${t.name || t.id} (${t.id})`)));
		if (teams.some((t) => t.id === keep)) sel.value = keep;
	}

	/* ---- the chart: score over time, inline SVG ---------------------------- */

	function niceStep(range, count) {
		const raw = range / Math.max(1, count);
		const mag = Math.pow(10, Math.floor(Math.log10(raw || 1)));
		const f = raw / mag;
		return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	}

	function chartTeams() {
		const teams = (S.scores && S.scores.teams) || [];
		const blue = teams.filter((t) => t.role === 'blue');
		const rest = teams.filter((t) => t.role !== 'blue' && (t.score || t.availability));
		return blue.concat(rest);
	}

	function chartSeries() {
		const rounds = (S.history && Array.isArray(S.history.rounds)) ? S.history.rounds : [];
		const x = S.exercise;
		const live = x && x.state !== 'pending' ? elapsedNow() : null;
		return chartTeams().map((t) => {
			const pts = [{ t: 0, v: 0 }];
			for (const r of rounds) {
				const v = r.scores ? r.scores[t.id] : undefined;
				if (typeof v === 'number') pts.push({ t: Number(r.at) || 0, v });
			}
			/* The score now, with grades and adjustments since the last round. */
			const last = pts[pts.length - 1];
			if (live != null && (t.score !== last.v || live > last.t))
				pts.push({ t: Math.max(live, last.t), v: t.score });
			return { team: t, pts };
		});
	}

	/* The root font size in pixels: the SVGs are drawn at the size they are
	 * shown, so their text is as large as the page's, projector or laptop. */
	function rootPx() {
		return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
	}

	function boxWidth(box, fallback) {
		return Math.max(320, Math.round(box.clientWidth || fallback));
	}

	function renderChart() {
		const box = $('chart');
		if (!S.me) return;
		const series = chartSeries();
		const fs = rootPx();
		const labelOf = (t) => `${t.name || t.id} ${num(t.score)}`;
		const longest = Math.max(6, ...series.map((s) => labelOf(s.team).length));
		const W = boxWidth(box, 760);
		const H = Math.round(Math.min(Math.max(W * 0.45, fs * 14), fs * 24));
		const L = Math.round(fs * 3.6), T = Math.round(fs * 0.8), B = Math.round(fs * 2.8);
		const R = Math.round(Math.min(W * 0.4, longest * fs * 0.62 + fs * 1.2));
		const dur = (S.exercise && S.exercise.duration) ||
			Math.max(60, ...series.flatMap((s) => s.pts.map((p) => p.t)));
		const vals = series.flatMap((s) => s.pts.map((p) => p.v));
		let lo = Math.min(0, ...vals), hi = Math.max(10, ...vals);
		const ystep = niceStep(hi - lo, Math.max(3, Math.floor((H - T - B) / (fs * 3))));
		lo = Math.floor(lo / ystep) * ystep;
		hi = Math.ceil(hi / ystep) * ystep;
		const X = (t) => L + (t / dur) * (W - L - R);
		const Y = (v) => T + (1 - (v - lo) / (hi - lo || 1)) * (H - T - B);

		const g = [];
		for (let v = lo; v <= hi + ystep / 2; v += ystep) {
			g.push(svg('line', { class: v === 0 ? 'axis zero' : 'grid', x1: L, x2: W - R, y1: Y(v), y2: Y(v) }));
			g.push(svg('text', { class: 'tick', x: L - fs * 0.5, y: Y(v) + fs * 0.3, 'text-anchor': 'end' }, num(v)));
		}
		const xstep = niceStep(dur / 60, Math.max(2, Math.floor((W - L - R) / (fs * 5)))) * 60;
		for (let t = 0; t <= dur + 0.5; t += xstep) {
			g.push(svg('line', { class: 'grid', x1: X(t), x2: X(t), y1: T, y2: H - B }));
			g.push(svg('text', { class: 'tick', x: X(t), y: H - B + fs * 1.2, 'text-anchor': 'middle' }, exClock(t)));
		}
		g.push(svg('text', { class: 'axis-label', x: (L + W - R) / 2, y: H - fs * 0.3, 'text-anchor': 'middle' }, 'exercise time'));

		const labels = [];
		series.forEach((s) => {
			const cls = `series-${seriesOf(s.team.id)}`;
			const d = s.pts.map((p, i) => `${i ? 'L' : 'M'}${X(p.t).toFixed(1)},${Y(p.v).toFixed(1)}`).join(' ');
			g.push(svg('path', { class: `line ${cls}`, d, dataset: { team: s.team.id } },
				svg('title', null, `${s.team.name || s.team.id}: ${num(s.team.score)} points`)));
			const end = s.pts[s.pts.length - 1];
			g.push(svg('circle', { class: `dot ${cls}`, cx: X(end.t), cy: Y(end.v), r: fs * 0.3 }));
			labels.push({ y: Y(end.v), cls, text: labelOf(s.team) });
		});
		/* Names at the right, level with their line's end, never overlapping. */
		const gap = fs * 1.25;
		labels.sort((a, b) => a.y - b.y);
		for (let i = 1; i < labels.length; i++)
			if (labels[i].y - labels[i - 1].y < gap) labels[i].y = labels[i - 1].y + gap;
		const over = labels.length ? labels[labels.length - 1].y - (H - B) : 0;
		if (over > 0) for (const l of labels) l.y -= over;
		for (const l of labels)
			g.push(svg('text', { class: `end-label ${l.cls}`, x: W - R + fs * 0.6, y: l.y + fs * 0.35 }, l.text));

		const summary = series.map((s) => labelOf(s.team)).join(', ');
		box.replaceChildren(svg('svg', {
			viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', class: 'chart-svg',
			'aria-label': series.length ? `Score over exercise time. Now: ${summary}.` : 'No score yet.',
		}, g));
		box.dataset.width = W;

		$('chart-legend').replaceChildren(...series.map((s) => el('li', null,
			svg('svg', { viewBox: '0 0 30 10', class: 'key', 'aria-hidden': 'true' },
				svg('line', { class: `line series-${seriesOf(s.team.id)}`, x1: 0, x2: 30, y1: 5, y2: 5 })),
			s.team.name || s.team.id)));
	}

	/* ---- the MSEL timeline ------------------------------------------------- */

	const STRIP = { W: 760, L: 24, R: 24 };
	function stripX(t) {
		const dur = (S.exercise && S.exercise.duration) || 1;
		return STRIP.L + (Math.min(t, dur) / dur) * (STRIP.W - STRIP.L - STRIP.R);
	}

	function sortedInjects() {
		return S.injects.slice().sort((a, b) => {
			const am = a.at == null, bm = b.at == null;
			if (am !== bm) return am ? 1 : -1;
			return (a.at || 0) - (b.at || 0) || String(a.id).localeCompare(String(b.id));
		});
	}

	function renderStrip() {
		const box = $('msel-strip');
		if (!seesMsel() || !S.exercise || !S.exercise.duration) return box.replaceChildren();
		const fs = rootPx();
		STRIP.W = boxWidth(box, 760);
		STRIP.L = STRIP.R = Math.round(fs * 1.6);
		const dur = S.exercise.duration;
		/* Labels on up to three levels above the line, each on the lowest
		 * level where it overlaps no label already placed. */
		const levels = [[], [], []];
		const marks = sortedInjects().filter((i) => i.at != null).map((inj) => {
			const x = stripX(inj.at), w = String(inj.id).length * fs * 0.6 + fs * 0.6;
			let lv = levels.findIndex((l) => l.every(([a, b]) => x + w / 2 < a || x - w / 2 > b));
			if (lv < 0) lv = levels.length - 1;
			levels[lv].push([x - w / 2, x + w / 2]);
			return { inj, x, lv };
		});
		const used = Math.max(1, ...marks.map((m) => m.lv + 1));
		const y = Math.round(fs * (1.4 * used + 1.2)), H = y + Math.round(fs * 2.4);
		const g = [svg('line', { class: 'axis', x1: STRIP.L, x2: STRIP.W - STRIP.R, y1: y, y2: y })];
		const step = niceStep(dur / 60, Math.max(2, Math.floor(STRIP.W / (fs * 5)))) * 60;
		for (let t = 0; t <= dur + 0.5; t += step) {
			g.push(svg('line', { class: 'grid', x1: stripX(t), x2: stripX(t), y1: y - fs * 0.3, y2: y + fs * 0.3 }));
			g.push(svg('text', { class: 'tick', x: stripX(t), y: y + fs * 1.6, 'text-anchor': 'middle' }, exClock(t)));
		}
		for (const { inj, x, lv } of marks) {
			const fired = inj.state === 'fired';
			g.push(svg('line', { class: 'stem', x1: x, x2: x, y1: y - fs * (0.9 + 1.4 * lv), y2: y }));
			g.push(svg('circle', { class: `marker ${fired ? 'fired' : 'pending'}`, cx: x, cy: y, r: fs * 0.45, dataset: { inject: inj.id } },
				svg('title', null, `${exClock(inj.at)} ${inj.title || inj.id}: ${inj.state}`)));
			g.push(svg('text', { class: 'mark-label', x, y: y - fs * (1.1 + 1.4 * lv), 'text-anchor': 'middle' }, inj.id));
		}
		const now = stripX(elapsedNow());
		g.push(svg('line', { class: 'now', x1: now, x2: now, y1: fs * 0.2, y2: H - fs * 0.2 }));
		box.replaceChildren(svg('svg', {
			viewBox: `0 0 ${STRIP.W} ${H}`, width: STRIP.W, height: H, class: 'strip-svg', role: 'img',
			'aria-label': 'The timeline: filled marks have fired, hollow ones are still to come; the red line is now.',
		}, g));
		box.dataset.width = STRIP.W;
	}

	function resultView(inj, f) {
		const key = `${inj.id}#${f.firing}`;
		const head = el('p', { class: 'firing' },
			el('strong', null, `#${f.firing}`), ' at ', exClock(f.actual),
			f.manual ? ` · fired by ${f.by || 'control'}` : '',
			Number(f.late) >= 1 ? ` · ${Math.round(f.late)} s late` : '');
		if (f.lost)
			return el('div', { class: 'firing-box' }, head,
				el('p', { class: 'result bad' }, 'results lost: rangectl stopped while it ran'));
		if (!Array.isArray(f.results))
			return el('div', { class: 'firing-box' }, head, el('p', { class: 'result' }, 'running…'));
		const list = el('ul', { class: 'results' }, f.results.map((r, i) => {
			const out = [r.out, r.err].some((x) => typeof x === 'string' && x.length);
			return el('li', { class: r.ok ? 'ok' : 'bad' },
				el('span', { class: 'mark', 'aria-hidden': 'true' }, r.ok ? '✔' : '✘'),
				el('span', { class: 'visually-hidden' }, r.ok ? 'succeeded: ' : 'failed: '),
				el('span', { class: 'host' }, r.host),
				r.exit != null ? el('span', { class: 'exit' }, ` exit ${r.exit}`) : null,
				r.error ? el('span', { class: 'error-text' }, ` — ${r.error}`) : null,
				out ? el('details', { dataset: { key: `${key}/${i}` } },
					el('summary', { dataset: { key: `${key}/${i}/s` } }, 'output'),
					r.out ? el('pre', { class: 'out' }, r.out) : null,
					r.err ? el('pre', { class: 'err' }, r.err) : null) : null);
		}));
		const none = f.results.length ? null : el('p', { class: 'result' }, 'done (no target)');
		return el('div', { class: 'firing-box' }, head, list, none);
	}

	function mayFire() {
		const st = S.exercise && S.exercise.state;
		return st === 'running' || st === 'paused';
	}

	function renderMsel() {
		if (!seesMsel()) return;
		renderStrip();
		rerender($('msel-rows'), () => sortedInjects().map((inj) => {
			const firings = Array.isArray(inj.firings) ? inj.firings : [];
			const fired = inj.state === 'fired';
			return el('tr', { dataset: { inject: inj.id }, class: fired ? 'fired' : 'pending' },
				el('td', { class: 'at' }, inj.at == null ? 'manual' : exClock(inj.at)),
				el('th', { scope: 'row', class: 'inject' },
					el('span', { class: 'inject-title' }, inj.title || inj.id),
					el('code', null, inj.id)),
				el('td', null, inj.action),
				el('td', { class: 'targets' }, (inj.targets || []).length
					? el('ul', null, inj.targets.map((t) => el('li', null, t)))
					: (inj.to || []).length ? `to ${inj.to.map(teamName).join(', ')}` : '—'),
				el('td', null, el('span', { class: 'badge inject-state', dataset: { state: inj.state } }, inj.state)),
				el('td', { class: 'results-cell' }, firings.length ? firings.map((f) => resultView(inj, f)) : ''),
				el('td', { class: 'fire-col' }, isController()
					? el('button', {
						type: 'button', class: 'fire small', dataset: { key: `fire/${inj.id}`, inject: inj.id },
						'aria-label': `Fire ${inj.title || inj.id} now`, disabled: !mayFire(),
						onclick: (ev) => fireInject(ev.currentTarget, inj),
					}, 'Fire now') : null));
		}));
	}

	function renderMselButtons() {
		for (const b of $('msel-rows').querySelectorAll('button.fire')) b.disabled = !mayFire();
		renderStrip();
	}

	async function fireInject(button, inj) {
		const again = inj.state === 'fired' ? ' It has fired already: this fires it again.' : '';
		if (!window.confirm(`Fire “${inj.title || inj.id}” now?${again}`)) return;
		const r = await act(button, `Could not fire ${inj.id}`, () => api('POST', `injects/${encodeURIComponent(inj.id)}/fire`));
		if (r) {
			toast(`Inject ${inj.id} fired.`);
			refresh('injects');
		}
	}

	/* ---- machines ------------------------------------------------------------ */

	function renderHosts() {
		const hosts = S.hosts.slice().sort((a, b) =>
			String(a.team).localeCompare(String(b.team)) || String(a.name).localeCompare(String(b.name)));
		const actions = isTrainee() || isController();
		rerender($('host-rows'), () => hosts.map((h) => el('tr', { dataset: { host: h.name } },
			el('th', { scope: 'row', class: 'host-name' }, h.name),
			el('td', { class: 'team-col' }, h.team == null ? 'shared' : teamName(h.team)),
			el('td', null, el('span', { class: 'badge host-state', dataset: { state: h.state }, title: h.reason || null }, h.state || 'unknown')),
			el('td', { class: 'ips' }, (h.ips || []).length ? el('ul', null, h.ips.map((ip) => el('li', null, el('code', null, ip)))) : '—'),
			el('td', { class: 'services' }, (h.services || []).length
				? el('ul', null, h.services.map((s) => {
					const st = s.up === true ? 'yes' : s.up === false ? 'no' : 'unknown';
					const word = { yes: ' is up', no: ' is down', unknown: ': not checked yet' }[st];
					return el('li', { class: `service-${st}` },
						el('span', { class: 'badge service', dataset: { up: st } },
							el('span', { 'aria-hidden': 'true' }, { yes: '▲ ', no: '▼ ', unknown: '? ' }[st]), s.id,
							el('span', { class: 'visually-hidden' }, word)),
						st === 'no' && s.reason ? el('span', { class: 'reason', title: s.reason }, s.reason) : null);
				}))
				: el('span', { class: 'empty' }, 'not scored')),
			el('td', { class: 'actions-col' }, actions ? [
				el('button', {
					type: 'button', class: 'small', dataset: { key: `console/${h.name}` },
					'aria-label': `Open the console of ${h.name}`, onclick: () => openConsole(h),
				}, 'Console'),
				h.screen ? el('button', {
					type: 'button', class: 'small', dataset: { key: `screen/${h.name}` },
					'aria-label': `Open the screen of ${h.name}`, onclick: () => openScreen(h),
				}, 'Screen') : null,
				el('button', {
					type: 'button', class: 'small secondary', dataset: { key: `revert/${h.name}` },
					'aria-label': `Revert ${h.name} to its initial snapshot`, onclick: (ev) => revertHost(ev.currentTarget, h),
				}, 'Revert'),
			] : null))));
		$('hosts').classList.toggle('one-team', isTrainee());
	}

	async function revertHost(button, h) {
		if (!window.confirm(`Revert ${h.name} to its initial snapshot? Everything changed on it since the start is lost.`)) return;
		const r = await act(button, `Could not revert ${h.name}`, () => api('POST', `hosts/${encodeURIComponent(h.name)}/revert`));
		if (r) toast(`Reverting ${h.name}…`);
	}

	/* ---- messages ------------------------------------------------------------ */

	/* Staff see every recipient; a trainee, that it came to them by name. */
	function recipients(m) {
		const people = Array.isArray(m.people) ? m.people : [];
		if (isTrainee()) return people.includes(S.me.name) ? ' · to you' : '';
		const to = (Array.isArray(m.to) ? m.to.map(teamName) : []).concat(people);
		return to.length ? ` · to ${to.join(', ')}` : '';
	}

	function renderMessages() {
		const msgs = S.messages.slice().sort((a, b) => (b.t || 0) - (a.t || 0));
		$('message-list').replaceChildren(...msgs.map((m) => el('li', { class: 'message' },
			el('p', { class: 'meta' },
				el('span', { class: 'when' }, exClock(m.t)), ' · ',
				el('span', { class: 'from' }, `from ${m.from || m.by || 'exercise control'}`),
				recipients(m)),
			el('p', { class: 'text' }, m.text))));
		$('messages-empty').hidden = msgs.length > 0;
		updateInjectSelect();
	}

	/* ---- incident reports ---------------------------------------------------- */

	function updateReportForm() {
		const show = isTrainee() && teamRole(S.me.team) === 'blue';
		$('report-form').hidden = !show;
		/* Red trainees submit the flags they find; the server decides. */
		$('flag-panel').hidden = !(isTrainee() && teamRole(S.me.team) === 'red');
		const coalition = $('coalition').hidden;
		$('coalition').hidden = !seesCoalition();
		if (coalition && seesCoalition()) refresh('intel');
	}

	/* ---- coalition: the inject × nation matrix, for staff ------------------- */

	/* A cell as the report writes it: D, S, W, missed, not yet. */
	function detectionCell(a) {
		if (!a) return '–';
		if (a.fired == null) return 'not yet';
		let text = a.detected == null ? 'missed' : `D ${clockText(a.detected - a.fired)}`;
		if (a.shared != null) text += ` S ${clockText(a.shared - a.detected)}`;
		if (a.warned != null && a.warned_by) text += ` W ${a.warned_by}`;
		return text;
	}

	function renderDetection() {
		const d = S.coalition;
		const measured = !!(d && d.measured && seesMsel());
		$('detection').hidden = !measured;
		if (!measured) return;
		const teams = Array.isArray(d.teams_order) ? d.teams_order : [];
		const attacks = Array.isArray(d.attacks) ? d.attacks : [];
		const injects = [...new Set(attacks.map((a) => a.inject))];
		$('detection-head').replaceChildren(el('th', {}, 'Inject'),
			...teams.map((t) => el('th', { class: 'id', scope: 'col' }, t)));
		rerender($('detection-rows'), () => injects.map((i) => el('tr', { dataset: { inject: i } },
			el('th', { class: 'id', scope: 'row' }, i),
			...teams.map((t) => {
				const a = attacks.find((x) => x.inject === i && x.team === t);
				const cls = !a ? 'none' : a.fired == null ? 'pending' : a.detected == null ? 'missed' : 'detected';
				return el('td', { class: `cell ${cls}`, dataset: { team: t } }, detectionCell(a));
			}))));
		const rows = Array.isArray(d.teams) ? d.teams : [];
		rerender($('detection-team-rows'), () => rows.map((t) => el('tr', { dataset: { team: t.id } },
			el('th', { class: 'id', scope: 'row' }, t.id),
			...['detected', 'missed', 'shared', 'warned', 'warnings', 'false_indicators', 'points']
				.map((k) => el('td', { class: 'num' }, String(t[k] ?? 0))))));
		$('detection-empty').hidden = injects.length > 0;
	}

	/* ---- coalition: observations shared by TLP ------------------------------ */

	function seesCoalition() {
		return !!S.me && isTrainee() && teamRole(S.me.team) === 'blue';
	}

	function renderIntel() {
		const list = (S.intel || []).slice();
		rerender($('intel-list'), () => list.map((o) => {
			const own = o.team === S.me.team;
			return el('li', { class: 'report intel', dataset: { intel: o.id, tlp: o.tlp } },
				el('h3', { class: 'report-title' },
					el('span', { class: 'badge tlp' }, o.tlp), ' ',
					own ? 'Your team' : teamName(o.team), ` · ${o.id}`),
				el('p', { class: 'meta' },
					el('span', null, `seen ${exClock(o.seen)}`), ' · ',
					el('span', null, o.by ? `by ${o.by}` : ''),
					o.technique ? [' · ', el('code', null, o.technique)] : ''),
				(o.indicators || []).length
					? el('ul', { class: 'indicators' }, ...(o.indicators || []).map((i) =>
						el('li', null, el('span', { class: 'hint' }, `${i.type} `), el('code', null, i.value))))
					: '',
				o.text ? el('p', { class: 'body' }, o.text) : '');
		}));
		$('intel-empty').hidden = list.length > 0;
	}

	/* "TYPE VALUE" a line into [{type, value}]; a line of another shape is an error. */
	function parseIndicators(text) {
		const out = [];
		for (const line of text.split('\n')) {
			const t = line.trim();
			if (!t) continue;
			const m = /^(\S+)\s+(\S.*)$/.exec(t);
			if (!m) throw new Error(`“${t}” is not a type and a value`);
			out.push({ type: m[1].toLowerCase(), value: m[2].trim() });
		}
		return out;
	}

	async function submitIntel(ev) {
		ev.preventDefault();
		const f = $('intel-form');
		let indicators;
		try {
			indicators = parseIndicators(f.elements.indicators.value);
		} catch (e) {
			f.elements.indicators.focus();
			return showError(`Could not read the indicators: ${e.message}`);
		}
		const data = { tlp: f.elements.tlp.value, indicators };
		const technique = f.elements.technique.value.trim();
		const text = f.elements.text.value.trim();
		if (technique) data.technique = technique;
		if (text) data.text = text;
		if (!indicators.length && !technique) {
			f.elements.indicators.focus();
			return showError('Give an indicator or a technique.');
		}
		const r = await act($('intel-submit'), 'Could not record the observation', () => api('POST', 'intel', data));
		if (r) {
			f.reset();
			toast(`Observation ${r.id} recorded (${data.tlp}).`);
			refresh('intel');
		}
	}

	async function submitFlag(ev) {
		ev.preventDefault();
		const f = $('flag-form');
		const flag = f.elements.flag.value.trim();
		if (!flag) return f.elements.flag.focus();
		const r = await act($('flag-submit'), 'The flag scores nothing', () => api('POST', 'flags', { flag }));
		if (r) {
			f.reset();
			toast(`Flag captured: +${num(r.points)} points.`);
			refresh('scores');
		}
	}

	function updateInjectSelect() {
		const sel = $('report-inject');
		const keep = sel.value;
		const seen = new Map();
		for (const m of S.messages.slice().sort((a, b) => (b.t || 0) - (a.t || 0)))
			if (m.inject && !seen.has(m.inject)) seen.set(m.inject, m);
		sel.replaceChildren(el('option', { value: '' }, '— none —'),
			...[...seen].map(([id, m]) => {
				const text = String(m.text || '');
				return el('option', { value: id }, `${exClock(m.t)}: ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`);
			}));
		if (seen.has(keep)) sel.value = keep;
	}

	function gradeForm(r) {
		let f = S.gradeForms.get(r.id);
		if (f) return f;
		const pid = `grade-points-${r.id}`, cid = `grade-comment-${r.id}`;
		f = el('form', { class: 'grade-form', dataset: { report: r.id } },
			el('label', { for: pid }, 'Points'),
			el('input', { id: pid, name: 'points', type: 'number', step: 1, required: true, inputmode: 'numeric', class: 'points' }),
			el('label', { for: cid }, 'Comment'),
			el('input', { id: cid, name: 'comment', type: 'text', maxlength: 500, autocomplete: 'off' }),
			el('button', { type: 'submit', class: 'small' }, 'Grade'));
		f.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const points = Number(f.elements.points.value);
			if (f.elements.points.value === '' || !Number.isInteger(points)) {
				f.elements.points.focus();
				return showError('Give the points as a whole number.');
			}
			const body = { points };
			const comment = f.elements.comment.value.trim();
			if (comment) body.comment = comment;
			const ok = await act(f.querySelector('button'), `Could not grade report ${r.id}`,
				() => api('POST', `reports/${encodeURIComponent(r.id)}/grade`, body));
			if (ok) {
				toast(`Report “${r.title}” graded: ${points} points.`);
				S.gradeForms.delete(r.id);
				loadReports(true); /* a grade changes a report held */
				refresh('scores');
			}
		});
		S.gradeForms.set(r.id, f);
		return f;
	}

	function renderReports() {
		const reports = S.reports.slice().sort((a, b) => (b.t || 0) - (a.t || 0));
		rerender($('report-list'), () => reports.map((r) => {
			const g = r.grade;
			return el('li', { class: 'report', dataset: { report: r.id } },
				el('h3', { class: 'report-title' }, r.title),
				el('p', { class: 'meta' },
					el('span', null, exClock(r.t)), ' · ',
					el('span', null, `by ${r.author}`),
					isTrainee() ? '' : ` · ${teamName(r.team)}`,
					r.inject ? [' · about ', el('code', null, r.inject)] : ''),
				el('p', { class: 'body' }, r.body),
				g ? el('p', { class: 'grade graded' },
					el('strong', null, `Graded: ${signed(g.points)} points`),
					g.by ? ` by ${g.by}` : '',
					g.comment ? [' — ', el('q', null, g.comment)] : '')
					: isController() ? gradeForm(r)
						: el('p', { class: 'grade ungraded' }, 'Not graded yet'));
		}));
		for (const id of [...S.gradeForms.keys()])
			if (!reports.some((r) => r.id === id && !r.grade)) S.gradeForms.delete(id);
		$('reports-empty').hidden = reports.length > 0;
	}

	async function submitReport(ev) {
		ev.preventDefault();
		const f = $('report-form');
		const title = f.elements.title.value.trim();
		const body = f.elements.body.value.trim();
		if (!title) return f.elements.title.focus();
		if (!body) return f.elements.body.focus();
		const data = { title, body };
		if (f.elements.inject.value) data.inject = f.elements.inject.value;
		const r = await act($('report-submit'), 'Could not file the report', () => api('POST', 'reports', data));
		if (r) {
			f.reset();
			toast(`Report filed${r.id != null ? ` (number ${r.id})` : ''}.`);
			refresh('reports');
		}
	}

	/* ---- a trainee's VPN: a new key and its wg-quick file, once ---------------- */

	async function loadVpn() {
		let v;
		try {
			v = await api('GET', 'vpn');
		} catch (e) {
			return; /* no VPN in this exercise, or none for this person */
		}
		$('vpn-info').textContent = `Team ${v.team}: your tunnel address is ${v.address}` +
			(v.has_key ? ' (you have a file already).' : '.');
		$('dash').append($('vpn'));
		$('vpn').hidden = false;
		S.vpnName = v.interface;
	}

	/* The file or its QR code: text, not JSON, so not through api(). */
	async function vpnFile(what) {
		const r = await fetch(`api/v1/vpn/${what}`, { method: 'POST', cache: 'no-store',
			headers: authHeaders('POST') });
		if (!r.ok) throw new ApiError(r.status, `HTTP ${r.status}`);
		return r.text();
	}

	async function vpnDownload(button) {
		const text = await act(button, 'Could not make your VPN file', () => vpnFile('config'));
		if (text === undefined) return;
		const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
		const a = el('a', { href: url, download: `${S.vpnName || 'rangectl'}.conf` });
		document.body.append(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(url), 1000);
		$('vpn-qr-box').replaceChildren();
	}

	async function vpnQr(button) {
		const svg = await act(button, 'Could not make your VPN QR code', () => vpnFile('qr'));
		if (svg === undefined) return;
		const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
		const root = doc.documentElement;
		if (root.nodeName !== 'svg') return showError('The QR code could not be read.');
		root.setAttribute('role', 'img');
		root.setAttribute('aria-label', 'Your WireGuard file as a QR code');
		$('vpn-qr-box').replaceChildren(document.importNode(root, true));
	}

	/* ---- the controller's people: disable, enable, invite ---------------------- */

	async function loadAccounts() {
		let people;
		try {
			people = await api('GET', 'users');
		} catch (e) {
			return;
		}
		rerender($('account-rows'), () => people.map((p) => {
			const disabled = p.state === 'disabled';
			const toggle = el('button', { type: 'button', class: 'secondary small', 'data-key': `t-${p.name}` },
				disabled ? 'Enable' : 'Disable');
			toggle.addEventListener('click', () => accountAction(toggle, p.name, disabled ? 'enable' : 'disable'));
			const invite = el('button', { type: 'button', class: 'secondary small', 'data-key': `i-${p.name}`,
				'aria-label': `Invite ${p.name}` }, 'Invite');
			invite.disabled = disabled;
			invite.addEventListener('click', () => accountAction(invite, p.name, 'invite'));
			return el('tr', { 'data-person': p.name },
				el('td', null, p.name), el('td', null, p.role), el('td', null, p.team || '—'),
				el('td', { class: 'account-state' }, p.state), el('td', null, toggle, ' ', invite));
		}));
	}

	async function accountAction(button, name, action) {
		if (action === 'disable' && !confirm(`Disable ${name}? Their sessions end at once.`)) return;
		const r = await act(button, `Could not ${action} ${name}`, () =>
			api('POST', `users/${encodeURIComponent(name)}/${action}`));
		if (r === undefined) return;
		if (action === 'invite') {
			const link = `${location.origin}${location.pathname}#invite=${r.invite}`;
			$('invite-link').textContent = `Invitation for ${name} (works once, for 3 days): ${link}`;
		} else {
			toast(`${name} is ${action}d.`);
		}
		loadAccounts();
	}

	async function submitAdjust(ev) {
		ev.preventDefault();
		const f = $('adjust-form');
		const team = f.elements.team.value;
		const points = Number(f.elements.points.value);
		const reason = f.elements.reason.value.trim();
		if (f.elements.points.value === '' || !Number.isInteger(points) || points === 0) {
			f.elements.points.focus();
			return showError('Give the points as a whole number other than 0.');
		}
		if (!reason) return f.elements.reason.focus();
		const r = await act($('adjust-submit'), 'Could not adjust the score', () =>
			api('POST', 'adjustments', { team, points, reason }));
		if (r !== undefined) {
			f.elements.points.value = '';
			f.elements.reason.value = '';
			toast(`${teamName(team)}: ${signed(points)} points.`);
			refresh('scores');
		}
	}

	/* ---- the console: xterm.js over a WebSocket ------------------------------ */

	let xtermLoading = null;
	function loadXterm() {
		if (window.Terminal) return Promise.resolve();
		if (xtermLoading) return xtermLoading;
		xtermLoading = new Promise((resolve, reject) => {
			const css = el('link', { rel: 'stylesheet', href: 'vendor/xterm/css/xterm.css' });
			document.head.append(css);
			const js = el('script', { src: 'vendor/xterm/lib/xterm.js' });
			js.addEventListener('load', () => (window.Terminal ? resolve() : reject(new Error('xterm.js did not load'))));
			js.addEventListener('error', () => {
				xtermLoading = null;
				js.remove();
				reject(new Error('xterm.js is not installed on the server (npm ci --prefix web)'));
			});
			document.head.append(js);
		});
		return xtermLoading;
	}

	function consoleState(state, text) {
		const b = $('console-state');
		b.dataset.state = state;
		b.textContent = text;
	}

	async function openConsole(h) {
		const dlg = $('console-dialog');
		closeConsole();
		$('console-h').textContent = `Console: ${h.name}`;
		consoleState('connecting', 'connecting…');
		if (!dlg.open) dlg.showModal();
		try {
			await loadXterm();
		} catch (e) {
			consoleState('closed', e.message);
			return;
		}
		if (!dlg.open) return;
		/* 80 by 24, as large as the window allows: a serial console has no size of its own. */
		const size = Math.max(12, Math.min(22, Math.floor((window.innerWidth * 0.88) / 80 / 0.62),
			Math.floor((window.innerHeight * 0.7) / 24 / 1.2)));
		const term = new window.Terminal({
			cols: 80, rows: 24, fontSize: size, cursorBlink: true, convertEol: false,
			fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace',
			scrollback: 2000,
		});
		S.term = term;
		term.open($('term'));
		term.attachCustomKeyEventHandler((e) => {
			if (e.type === 'keydown' && e.ctrlKey && (e.key === ']' || e.code === 'BracketRight')) {
				$('console-close').focus();
				return false;
			}
			return true;
		});
		const url = new URL(`api/v1/hosts/${encodeURIComponent(h.name)}/console`, location.href);
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		if (S.token) url.searchParams.set('token', S.token);
		let ws;
		try {
			ws = new WebSocket(url.href);
		} catch (e) {
			consoleState('closed', `cannot connect: ${e.message}`);
			return;
		}
		S.ws = ws;
		ws.binaryType = 'arraybuffer';
		const enc = new TextEncoder();
		const send = (bytes) => { if (ws.readyState === WebSocket.OPEN) ws.send(bytes); };
		term.onData((d) => send(enc.encode(d)));
		term.onBinary((d) => send(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
		ws.addEventListener('open', () => {
			consoleState('open', 'connected');
			term.focus();
		});
		ws.addEventListener('message', (ev) => {
			term.write(typeof ev.data === 'string' ? ev.data : new Uint8Array(ev.data));
		});
		ws.addEventListener('close', (ev) => {
			if (S.ws !== ws) return;
			const why = ev.reason ? `: ${ev.reason}` : ev.code && ev.code !== 1000 && ev.code !== 1005 ? ` (code ${ev.code})` : '';
			consoleState('closed', `disconnected${why}`);
		});
		ws.addEventListener('error', () => {
			if (S.ws === ws) consoleState('closed', 'the console is not available');
		});
		term.focus();
	}

	function closeConsole() {
		if (S.ws) {
			const ws = S.ws;
			S.ws = null;
			try { ws.close(1000); } catch (e) { /* already closed */ }
		}
		if (S.term) {
			S.term.dispose();
			S.term = null;
		}
		$('term').replaceChildren();
	}

	/* ---- the screen: noVNC over a WebSocket --------------------------------- */

	/* noVNC is ES modules (npm's @novnc/novnc): imported on first use only. */
	let rfbLoading = null;
	function loadRfb() {
		if (!rfbLoading) {
			rfbLoading = import('./vendor/novnc/core/rfb.js').then((m) => m.default, () => {
				rfbLoading = null;
				throw new Error('noVNC is not installed on the server (npm ci --prefix web)');
			});
		}
		return rfbLoading;
	}

	function screenState(state, text) {
		const b = $('screen-state');
		b.dataset.state = state;
		b.textContent = text;
	}

	async function openScreen(h) {
		const dlg = $('screen-dialog');
		closeScreen();
		$('screen-h').textContent = `Screen: ${h.name}`;
		screenState('connecting', 'connecting…');
		if (!dlg.open) dlg.showModal();
		let RFB;
		try {
			RFB = await loadRfb();
		} catch (e) {
			screenState('closed', e.message);
			return;
		}
		if (!dlg.open) return;
		const url = new URL(`api/v1/hosts/${encodeURIComponent(h.name)}/screen`, location.href);
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		if (S.token) url.searchParams.set('token', S.token);
		let rfb;
		try {
			/* shared: others on the same screen (a teammate) stay connected. */
			rfb = new RFB($('screen'), url.href, { shared: true });
		} catch (e) {
			screenState('closed', `cannot connect: ${e.message}`);
			return;
		}
		S.rfb = rfb;
		rfb.scaleViewport = true;
		rfb.background = '#000';
		rfb.addEventListener('connect', () => {
			if (S.rfb !== rfb) return;
			screenState('open', 'connected');
			rfb.focus();
		});
		rfb.addEventListener('disconnect', (ev) => {
			if (S.rfb !== rfb) return;
			screenState('closed', ev.detail.clean ? 'disconnected' : 'the screen is not available');
		});
		rfb.addEventListener('securityfailure', (ev) => {
			if (S.rfb === rfb) screenState('closed', `refused: ${ev.detail.reason || ev.detail.status}`);
		});
	}

	function closeScreen() {
		if (S.rfb) {
			const rfb = S.rfb;
			S.rfb = null;
			try { rfb.disconnect(); } catch (e) { /* already closed */ }
		}
		$('screen').replaceChildren();
	}

	/* ---- wiring ------------------------------------------------------------- */

	function init() {
		$('login-form').addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const token = $('token').value.trim();
			const name = $('login-name').value.trim();
			const password = $('login-password').value;
			const err = $('login-error');
			if (!token && (!name || !password)) {
				err.textContent = 'Type your name and password (or paste an access token).';
				(name ? $('login-password') : $('login-name')).focus();
				return;
			}
			err.textContent = '';
			$('login-submit').disabled = true;
			try {
				if (token) await login(token);
				else await loginPassword(name, password);
			} catch (e) {
				if (e.status === 401)
					err.textContent = token ? 'This token is not valid.' : 'The name or the password is wrong.';
				else if (e.status === 429)
					err.textContent = 'Too many attempts: wait a little, then try again.';
				else
					err.textContent = `Cannot log in: ${e.message}`;
				(token ? $('token') : $('login-password')).select();
			} finally {
				$('login-submit').disabled = false;
			}
		});
		$('invite-form').addEventListener('submit', redeemInvite);
		$('logout').addEventListener('click', () => logout(''));
		$('alert-close').addEventListener('click', hideError);
		for (const b of $('controls').querySelectorAll('button[data-cmd]'))
			b.addEventListener('click', () => clockCommand(b));
		$('report-form').addEventListener('submit', submitReport);
		$('flag-form').addEventListener('submit', submitFlag);
		$('intel-form').addEventListener('submit', submitIntel);
		$('adjust-form').addEventListener('submit', submitAdjust);
		$('vpn-download').addEventListener('click', () => vpnDownload($('vpn-download')));
		$('vpn-qr').addEventListener('click', () => vpnQr($('vpn-qr')));
		const dlg = $('console-dialog');
		$('console-close').addEventListener('click', () => dlg.close());
		dlg.addEventListener('close', closeConsole);
		const sdlg = $('screen-dialog');
		$('screen-close').addEventListener('click', () => sdlg.close());
		sdlg.addEventListener('close', closeScreen);
		sdlg.addEventListener('cancel', (ev) => {
			/* Escape belongs to the guest while the screen has the keyboard. */
			if (S.rfb && $('screen').contains(document.activeElement)) ev.preventDefault();
		});
		dlg.addEventListener('cancel', (ev) => {
			/* Escape belongs to the program in the terminal (vi...). */
			if (S.term && $('term').contains(document.activeElement)) ev.preventDefault();
		});
		setInterval(tick, 250);
		/* The SVGs are drawn at their real size: again when it changes. */
		let resizing = 0;
		const ro = new ResizeObserver(() => {
			cancelAnimationFrame(resizing);
			resizing = requestAnimationFrame(() => {
				if (!S.me) return;
				if (Number($('chart').dataset.width) !== boxWidth($('chart'), 760)) renderChart();
				if (seesMsel() && Number($('msel-strip').dataset.width) !== boxWidth($('msel-strip'), 760)) renderStrip();
			});
		});
		ro.observe($('chart'));
		ro.observe($('msel-strip'));

		const saved = sessionStorage.getItem(TOKEN_KEY);
		if (location.hash.startsWith('#invite=')) {
			$('login-form').hidden = true;
			$('invite-form').hidden = false;
			$('invite-password').focus();
		} else if (saved) {
			login(saved).catch((e) => {
				sessionStorage.removeItem(TOKEN_KEY);
				$('login-error').textContent = e.status === 401
					? 'Your saved token is no longer valid: log in again.' : `Cannot log in: ${e.message}`;
			});
		} else {
			resumeSession().then((ok) => { if (!ok) $('login-name').focus(); });
		}
	}

	/* #invite=CODE: the person chooses a password, then is logged in. */
	async function redeemInvite(ev) {
		ev.preventDefault();
		const password = $('invite-password').value;
		const err = $('invite-error');
		if (password.length < 10 || password !== $('invite-again').value) {
			err.textContent = password.length < 10 ? 'Choose 10 characters or more.' : 'The two passwords differ.';
			return;
		}
		$('invite-submit').disabled = true;
		try {
			const code = location.hash.slice('#invite='.length);
			const who = await post('invite', { invite: code, password });
			history.replaceState(null, '', location.pathname);
			$('invite-form').hidden = true;
			$('login-form').hidden = false;
			await loginPassword(who.name, password);
		} catch (e) {
			err.textContent = `Cannot set the password: ${e.message}`;
		} finally {
			$('invite-submit').disabled = false;
			$('invite-password').value = '';
			$('invite-again').value = '';
		}
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
}());
