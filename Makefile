# rangectl: a cyber-exercise range orchestrator.
#
#	make [all] | demo | check | asan | lint | fuzz [FUZZ_SECONDS=60]
#	     | bench [OLD_REV=COMMIT] | bench-compare | bench-plan [OLD_REV=COMMIT]
#	     | install | uninstall [DESTDIR=...] [PREFIX=/usr/local] | clean
#
# WERROR=1 (CI sets it) turns warnings into errors. BUILD is the folder that
# gets every generated file, so a sanitizer build never mixes with a plain one.

PREFIX	?= /usr/local
BUILD	?= build
# Where `make install` puts things, under $(DESTDIR). The systemd unit goes
# to $(PREFIX)/lib/systemd/system: /usr/lib/systemd/system for PREFIX=/usr,
# /usr/local/lib/systemd/system (which systemd reads too) by default.
BINDIR	?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/rangectl
DATADIR	?= $(PREFIX)/share/rangectl
MANDIR	?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR	?= $(PREFIX)/lib/systemd/system
# libvirtd reads its network hooks there, whatever its PREFIX: each node of
# a range over several needs rangectl's (it joins networks over VXLAN).
HOOKDIR	?= /etc/libvirt/hooks/network.d
CFLAGS	?= -g -O2
FUZZ_SECONDS ?= 60
PKGS	= libvirt libvirt-qemu libmicrohttpd jansson yaml-0.1 gnutls libcurl libcares libqrencode \
	  libisofs-1 libcrypt libssh libsodium

WARNINGS = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wformat=2
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

# Asked when a recipe runs, not when make reads this file: by then
# tools/deps.sh has installed what was missing.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

# RANGECTL_DATADIR: where `make install` puts web/, for the binary to find it.
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARNINGS) $(CFLAGS) $(SANITIZE) \
	-Iinclude $(PKG_CFLAGS) -DRANGECTL_DATADIR='"$(DATADIR)"' \
	-DRANGECTL_LIBEXECDIR='"$(LIBEXECDIR)"' -MMD -MP
ALL_LDFLAGS = -pthread $(LDFLAGS) $(SANITIZE)
# Debian's libwslay-dev has no pkg-config file.
LIBS = $(PKG_LIBS) -lwslay -lm

SRCS	= $(wildcard orchestrator/*.c orchestrator/*/*.c)
OBJS	= $(SRCS:%.c=$(BUILD)/%.o)
MAIN	= $(BUILD)/orchestrator/main.o
VIRTMAIN = $(BUILD)/orchestrator/main-virt.o
LIB	= $(BUILD)/librangectl.a
TESTOBJS = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/test_*.c))
TESTS	= $(TESTOBJS:$(BUILD)/tests/unit/%.o=$(BUILD)/tests/%)
CHECKPROBE = $(BUILD)/tests/checks/probe
FUZZERS	= $(BUILD)/fuzz_scenario $(BUILD)/fuzz_agent $(BUILD)/fuzz_api \
	  $(BUILD)/fuzz_journal $(BUILD)/fuzz_login $(BUILD)/fuzz_stix
BENCHES	= $(BUILD)/bench/provision $(BUILD)/bench/virt_loops $(BUILD)/bench/engine $(BUILD)/bench/sse_client \
	  $(BUILD)/bench/place $(BUILD)/bench/yaml_parse $(BUILD)/bench/detect
SEEDS	= $(wildcard scenarios/*.yaml tests/scenarios/*.yaml)

ASAN	= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZSAN	= -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

all: $(BUILD)/rangectl $(BUILD)/rangectl-virt

# rangectl does without libvirt (the linker drops what nothing calls), so
# that validate and plan start in milliseconds; rangectl-virt is the same
# main with the commands that talk to libvirt, and rangectl hands them over.
$(BUILD)/rangectl: $(MAIN) $(LIB)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)

$(BUILD)/rangectl-virt: $(VIRTMAIN) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(VIRTMAIN): orchestrator/main.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DRANGECTL_VIRT -c -o $@ $<

# Rebuilt whole, so that an object whose source is gone leaves with it.
$(LIB): $(filter-out $(MAIN),$(OBJS))
	@rm -f $@
	$(AR) rcs $@ $^

$(TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BENCHES): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# tests/checks/run.sh's driver: checks from the command line.
$(CHECKPROBE): $(BUILD)/tests/checks/probe.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(FUZZERS): $(BUILD)/%: $(BUILD)/tests/fuzz/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# The objects that compile the install paths in are made again when they
# change (make && make install PREFIX=/usr), and only then.
$(BUILD)/orchestrator/cmd.o $(BUILD)/orchestrator/cmd_run.o: $(BUILD)/paths
$(BUILD)/paths: FORCE
	@mkdir -p $(@D)
	@echo '$(LIBEXECDIR) $(DATADIR)' | cmp -s - $@ || echo '$(LIBEXECDIR) $(DATADIR)' >$@
FORCE:

# Order-only, so that checking the libraries never makes an object stale.
$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@tools/deps.sh

check: all $(TESTS) $(CHECKPROBE) $(BUILD)/bench/engine
	tests/run $(BUILD)

# The main job: check both example exercises, show the demo range's plan,
# then run the demo exercise on real guests in a private namespace, with
# its dashboard on this machine's loopback (tools/demo.sh; DEMO_* settings).
demo: all
	$(BUILD)/rangectl validate scenarios/*.yaml
	$(BUILD)/rangectl plan scenarios/demo.yaml
	tools/demo.sh $(BUILD)

# The appliance guest and the Debian disk image, from Debian's packages;
# both scripts are quick when their result is up to date, so they always
# run.  The demo and the end-to-end tests build only the appliance.
images:
	images/build.sh images/build
	images/build-debian.sh images/build

bench: all $(BENCHES) $(if $(OLD_REV),old-rangectl)
	bench/plan $(BUILD)/rangectl $(if $(OLD_REV),$(BUILD)/old/build/rangectl)
	bench/keys $(BUILD)/rangectl
	$(BUILD)/bench/provision
	$(BUILD)/bench/engine
	$(BUILD)/bench/place
	$(BUILD)/bench/detect
	bench/http $(BUILD)

# rangectl against each limit or peer of issue 16's table, side by side,
# printing the ratios (docs/BENCHMARKS.md); root for its network namespace.
bench-compare: all $(BUILD)/bench/virt_loops $(BUILD)/bench/engine $(BUILD)/bench/yaml_parse
	bench/compare $(BUILD)

# bench/plan alone; with OLD_REV=COMMIT, side by side with the rangectl of
# that commit, built from `git archive` in $(BUILD)/old (make bench takes
# OLD_REV too).
bench-plan: all $(BUILD)/bench/yaml_parse $(if $(OLD_REV),old-rangectl)
	bench/plan $(BUILD)/rangectl $(if $(OLD_REV),$(BUILD)/old/build/rangectl)

old-rangectl:
	rm -rf $(BUILD)/old && mkdir -p $(BUILD)/old
	git archive $(OLD_REV) | tar -x -C $(BUILD)/old
	$(MAKE) -C $(BUILD)/old BUILD=build build/rangectl

# The end-to-end tests run the same binary under a real libvirtd already;
# under the sanitizers they would only be slower.
asan:
	$(MAKE) BUILD=build-asan SANITIZE="$(ASAN)" E2E=0 check

# Seeds are renamed by their folder, as both folders may hold a demo.yaml.
# A hang is a bug too (a scenario can come from anyone), hence -timeout.
# fuzz_agent reads the guest agent's answers (a guest can be anyone's too);
# its seeds are needed, as libFuzzer cannot see into jansson to find JSON.
# fuzz_journal reads journals line by line (seeds: tests/journals/), as
# `rangectl report` does: anyone may hand one over.
# fuzz_api takes requests as anyone may send them (FLAGS METHOD\0PATH\0
# TOKEN\0BODY, see the file) and runs from here, for scenarios/demo.yaml.
# fuzz_login reads login bodies, which anyone may send without a token.
# fuzz_stix reads observations and STIX bundles as POST /api/v1/intel
# does (seeds: tests/fuzz/stix/), and checks their export reads back.
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE="$(FUZZSAN)" build-fuzz/fuzz_scenario \
		build-fuzz/fuzz_agent build-fuzz/fuzz_api build-fuzz/fuzz_journal \
		build-fuzz/fuzz_login build-fuzz/fuzz_stix
	@mkdir -p build-fuzz/corpus build-fuzz/corpus-agent build-fuzz/corpus-api \
		build-fuzz/corpus-journal build-fuzz/corpus-login build-fuzz/corpus-stix
	@cp tests/fuzz/login/* build-fuzz/corpus-login/
	@cp tests/fuzz/stix/* build-fuzz/corpus-stix/
	@for f in $(SEEDS); do cp $$f build-fuzz/corpus/$$(echo $$f | tr / _); done
	@cp tests/fuzz/agent/*.json build-fuzz/corpus-agent/
	@cp tests/fuzz/api/* build-fuzz/corpus-api/
	@cp tests/journals/*.jsonl build-fuzz/corpus-journal/
	build-fuzz/fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -dict=tests/fuzz/scenario.dict \
		-artifact_prefix=build-fuzz/ build-fuzz/corpus
	build-fuzz/fuzz_agent -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -dict=tests/fuzz/agent.dict \
		-artifact_prefix=build-fuzz/agent- build-fuzz/corpus-agent
	build-fuzz/fuzz_api -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		-timeout=10 -dict=tests/fuzz/api.dict \
		-artifact_prefix=build-fuzz/api- build-fuzz/corpus-api
	build-fuzz/fuzz_journal -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -dict=tests/fuzz/journal.dict \
		-artifact_prefix=build-fuzz/journal- build-fuzz/corpus-journal
	build-fuzz/fuzz_login -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-timeout=10 -artifact_prefix=build-fuzz/login- build-fuzz/corpus-login
	build-fuzz/fuzz_stix -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -dict=tests/fuzz/stix.dict \
		-artifact_prefix=build-fuzz/stix- build-fuzz/corpus-stix

# One configuration (-D) keeps cppcheck from trying every #ifdef; the
# system headers are libraries' business, not ours. tools/symgraph.sh reads
# the objects (no cycle between units, libvirt only at its edge), so lint
# builds them first; make check runs it too (tests/arch).
lint: all
	cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Iinclude orchestrator
	tools/banned.sh
	tools/symgraph.sh $(BUILD)

# What the dashboard serves: web/'s own files, and of xterm.js (npm) only
# what /vendor/xterm/ maps to, with its licence; of noVNC (npm) its ES
# modules (core/, and the vendor/ they import) with its licences. rangectl finds
# rangectl-virt and web/ from where it is installed, so a DESTDIR copy works
# too; RANGECTL_LIBEXECDIR and RANGECTL_DATADIR are the last resort.
WEB_FILES = $(wildcard web/*.html web/*.js web/*.css web/*.svg)
XTERM	= node_modules/@xterm/xterm
XTERM_FILES = LICENSE css/xterm.css lib/xterm.js
NOVNC	= node_modules/@novnc/novnc
NOVNC_FILES = $(if $(wildcard web/$(NOVNC)/core/rfb.js),$(patsubst web/$(NOVNC)/%,%,\
	LICENSE.txt vendor/pako/LICENSE $(wildcard web/$(NOVNC)/docs/LICENSE*) \
	$(shell find web/$(NOVNC)/core web/$(NOVNC)/vendor -name '*.js' 2>/dev/null)))

install: all
	install -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DATADIR)/web/$(XTERM)/css $(DESTDIR)$(DATADIR)/web/$(XTERM)/lib \
		$(DESTDIR)$(DATADIR)/scenarios $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(HOOKDIR)
	install -m 755 $(BUILD)/rangectl $(DESTDIR)$(BINDIR)/rangectl
	install -m 755 $(BUILD)/rangectl-virt $(DESTDIR)$(LIBEXECDIR)/rangectl-virt
	install -m 644 $(wildcard docs/*.1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(wildcard docs/*.5) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(WEB_FILES) $(DESTDIR)$(DATADIR)/web/
	@if [ -f web/$(XTERM)/lib/xterm.js ]; then \
		for f in $(XTERM_FILES); do \
			echo install -m 644 web/$(XTERM)/$$f $(DESTDIR)$(DATADIR)/web/$(XTERM)/$$f; \
			install -m 644 web/$(XTERM)/$$f $(DESTDIR)$(DATADIR)/web/$(XTERM)/$$f || exit 1; \
		done; \
	else \
		echo "warning: web/$(XTERM) is missing: the dashboard's consoles need it" \
			"(npm ci --prefix web, then make install again)" >&2; \
	fi
	@if [ -f web/$(NOVNC)/core/rfb.js ]; then \
		for f in $(NOVNC_FILES); do \
			install -D -m 644 web/$(NOVNC)/$$f $(DESTDIR)$(DATADIR)/web/$(NOVNC)/$$f || exit 1; \
		done; \
		echo "installed noVNC's modules under $(DESTDIR)$(DATADIR)/web/$(NOVNC)"; \
	else \
		echo "warning: web/$(NOVNC) is missing: the dashboard's screens need it" \
			"(npm ci --prefix web, then make install again)" >&2; \
	fi
	install -m 644 $(wildcard scenarios/*.yaml) scenarios/schema.json $(DESTDIR)$(DATADIR)/scenarios/
	install -m 644 contrib/bash-completion/rangectl $(DESTDIR)$(BASHCOMPDIR)/rangectl
	@mkdir -p $(BUILD)
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/rangectl@.service.in >$(BUILD)/rangectl@.service
	install -m 644 $(BUILD)/rangectl@.service $(DESTDIR)$(UNITDIR)/rangectl@.service
	install -m 755 contrib/libvirt-hook/rangectl $(DESTDIR)$(HOOKDIR)/rangectl

# Removes what install put, by name, and the folders that are rangectl's
# own once empty; nothing that was there before.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rangectl $(DESTDIR)$(LIBEXECDIR)/rangectl-virt \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard docs/*.1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(wildcard docs/*.5))) \
		$(addprefix $(DESTDIR)$(DATADIR)/web/,$(notdir $(WEB_FILES))) \
		$(addprefix $(DESTDIR)$(DATADIR)/web/$(XTERM)/,$(XTERM_FILES)) \
		$(addprefix $(DESTDIR)$(DATADIR)/web/$(NOVNC)/,$(NOVNC_FILES)) \
		$(addprefix $(DESTDIR)$(DATADIR)/scenarios/,$(notdir $(wildcard scenarios/*.yaml))) \
		$(DESTDIR)$(DATADIR)/scenarios/schema.json \
		$(DESTDIR)$(BASHCOMPDIR)/rangectl $(DESTDIR)$(UNITDIR)/rangectl@.service \
		$(DESTDIR)$(HOOKDIR)/rangectl
	-[ ! -d $(DESTDIR)$(DATADIR)/web/$(NOVNC) ] || find $(DESTDIR)$(DATADIR)/web/$(NOVNC) -depth -type d -empty -delete
	rmdir $(DESTDIR)$(DATADIR)/web/$(XTERM)/css $(DESTDIR)$(DATADIR)/web/$(XTERM)/lib \
		$(DESTDIR)$(DATADIR)/web/$(XTERM) $(DESTDIR)$(DATADIR)/web/node_modules/@xterm \
		$(DESTDIR)$(DATADIR)/web/node_modules/@novnc \
		$(DESTDIR)$(DATADIR)/web/node_modules $(DESTDIR)$(DATADIR)/web \
		$(DESTDIR)$(DATADIR)/scenarios $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBEXECDIR) \
		2>/dev/null || true

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all deps check demo images bench bench-compare bench-plan old-rangectl asan fuzz lint install uninstall clean FORCE

-include $(OBJS:.o=.d) $(TESTOBJS:.o=.d) $(FUZZERS:$(BUILD)/%=$(BUILD)/tests/fuzz/%.d) \
	$(VIRTMAIN:.o=.d) \
	$(BENCHES:=.d)
