/*
 * test_plan_print.c: plan --json writes strings exactly as jansson's
 * json_dumps did (with the flags plan --json used: JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER), on random strings of every kind of byte, UTF-8
 * or not. The golden files (tests/scenarios, X.plan.json) hold the rest
 * of the layout.
 */
#include "harness.h"

#include <jansson.h>

#include "rangectl/plan.h"
#include "rangectl/plan_print.h"
#include "rangectl/scenario.h"

static const char minimal[] =
	"version: 1\nexercise: {name: ex, duration: 1h}\n"
	"images: {app: {kernel: /boot/vmlinuz}}\n"
	"teams: [{id: ro, role: blue}]\n"
	"networks: [{id: lan, cidr: 10.0.0.0/24}]\n"
	"hosts: [{id: web, team: ro, image: app, nics: [{network: lan}]}]\n";

/* xorshift64: the same strings on every run, so a failure can be replayed. */
static unsigned long long
next_random(unsigned long long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Appends the UTF-8 of code point cp, even where it is not allowed. */
static size_t
put_utf8(unsigned char *p, unsigned long cp)
{
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (unsigned char)(0xc0 | cp >> 6);
		p[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (unsigned char)(0xe0 | cp >> 12);
		p[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		p[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (unsigned char)(0xf0 | (cp >> 18 & 0x07));
	p[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	p[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	p[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A random string of up to 40 pieces: plain ASCII, the characters JSON
 * escapes, DEL, valid UTF-8 of each length and at the edges, and what
 * UTF-8 forbids (stray continuation bytes, overlong forms, surrogates,
 * past U+10FFFF, sequences cut short, any high byte).
 */
static void
random_string(unsigned long long *state, unsigned char *s)
{
	static const unsigned long edges[] = { 0x80, 0x7ff, 0x800, 0xfffd, 0xffff,
	    0x10000, 0x10ffff, 0xd7ff, 0xe000, 0x2028, 0xfeff };
	size_t n = next_random(state) % 41, len = 0, i;
	/* Half the strings are UTF-8: only 7 kinds of piece of 12 for them. */
	unsigned kinds = next_random(state) % 2 ? 12 : 7;

	for (i = 0; i < n; i++) {
		unsigned long long r = next_random(state);

		switch (r % kinds) {
		case 0: s[len++] = (unsigned char)(0x20 + (r >> 8) % 0x5f); break;
		case 1: s[len++] = "\"\\/\b\f\n\r\t"[(r >> 8) % 8]; break;
		case 2: s[len++] = (unsigned char)(1 + (r >> 8) % 0x1f); break;
		case 3: s[len++] = 0x7f; break;
		case 4: len += put_utf8(s + len, 0x80 + (r >> 8) % 0xf780); break;
		case 5: len += put_utf8(s + len, 0x10000 + (r >> 8) % 0x100000); break;
		case 6: len += put_utf8(s + len, edges[(r >> 8) % 11]); break;
		case 7: len += put_utf8(s + len, 0xd800 + (r >> 8) % 0x800); break;
		case 8: s[len++] = (unsigned char)(0x80 + (r >> 8) % 0x80); break;
		case 9:	/* overlong: a small code point in a longer form */
			s[len++] = (unsigned char[]){ 0xc0, 0xc1, 0xe0, 0xf0 }[(r >> 8) % 4];
			s[len++] = (unsigned char)(0x80 + (r >> 16) % 0x20);
			break;
		case 10:	/* past U+10FFFF, or a lead byte no UTF-8 has */
			s[len++] = (unsigned char)(0xf4 + (r >> 8) % 12);
			s[len++] = (unsigned char)(0x80 + (r >> 16) % 0x40);
			s[len++] = 0x80;
			s[len++] = 0x80;
			break;
		default:	/* a sequence cut short */
			len += put_utf8(s + len, 0x800 + (r >> 8) % 0xf000) - 1;
			break;
		}
	}
	s[len] = '\0';
}

/* What plan --json writes as the exercise's title, or NULL if it failed. */
static char *
title_line(const struct plan *plan)
{
	char *out = NULL, *line, *end, *title = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	int rc = plan_print_json(plan, f);

	fclose(f);
	if (rc == 0 && (line = strstr(out, "\n    \"title\": ")) != NULL &&
	    (end = strchr(line + 1, '\n')) != NULL)
		title = strndup(line + 14, (size_t)(end - line - 15));
	free(out);
	return title;
}

TEST(strings_escape_as_jansson_did)
{
	struct diag_list diags;
	struct scenario *sc;
	struct plan *plan;
	unsigned long long state = 0x9e3779b97f4a7c15ULL;
	unsigned char s[41 * 4 + 1];
	size_t valid = 0, invalid = 0, escaped = 0, i;

	diag_list_init(&diags);
	sc = scenario_load_buffer(minimal, strlen(minimal), "t.yaml", &diags);
	plan = sc ? plan_build(sc, &diags) : NULL;
	if (!CHECK(plan != NULL))
		return;
	for (i = 0; i < 20000; i++) {
		json_t *j;
		char *want, *got;

		random_string(&state, s);
		free(plan->title);
		plan->title = strdup((char *)s);
		j = json_string((char *)s);
		/* The title ends with the line's comma: it is not the last key. */
		want = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) : NULL;
		got = title_line(plan);
		if (want == NULL) {
			invalid++;
			if (!CHECK(got == NULL))
				fprintf(stderr, "  string %zu: written, but not UTF-8\n", i);
		} else {
			valid++;
			escaped += strchr(want + 1, '\\') != NULL;
			if (!CHECK(got != NULL && strcmp(got, want) == 0))
				fprintf(stderr, "  string %zu: want %s, got %s\n", i,
				    want, got ? got : "(failed)");
		}
		free(want);
		free(got);
		json_decref(j);
	}
	/* Both outcomes, and escapes, were tried many times. */
	if (!CHECK(valid > 5000 && invalid > 5000 && escaped > 3000))
		fprintf(stderr, "  %zu UTF-8, %zu not, %zu with escapes\n", valid,
		    invalid, escaped);
	plan_free(plan);
	scenario_free(sc);
	diag_list_clear(&diags);
}

/* An image path that is not UTF-8 is left out, as jansson left it out. */
TEST(image_path_not_utf8_is_left_out)
{
	struct diag_list diags;
	struct scenario *sc;
	struct plan *plan;
	char *out = NULL;
	size_t size = 0;
	FILE *f;

	diag_list_init(&diags);
	sc = scenario_load_buffer(minimal, strlen(minimal), "t.yaml", &diags);
	plan = sc ? plan_build(sc, &diags) : NULL;
	if (!CHECK(plan != NULL))
		return;
	free(plan->images[0].kernel);
	plan->images[0].kernel = strdup("/boot/\xff/vmlinuz");
	f = open_memstream(&out, &size);
	CHECK_INT_EQ(plan_print_json(plan, f), 0);
	fclose(f);
	CHECK(strstr(out, "\"id\": \"app\"\n    }") != NULL);
	CHECK(strstr(out, "kernel") == NULL);
	free(out);
	plan_free(plan);
	scenario_free(sc);
	diag_list_clear(&diags);
}
