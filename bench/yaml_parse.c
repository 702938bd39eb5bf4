/*
 * bench/yaml_parse.c: the floor under `rangectl validate` and `plan`: a
 * bare libyaml parse of a file, every event read and dropped, nothing
 * built. bench/plan runs it as a process beside rangectl on the same YAML.
 *
 *	build/bench/yaml_parse FILE
 *
 * Exits 0 after the stream's end, 1 if the file cannot be read or parsed.
 */
#include <stdio.h>
#include <yaml.h>

int
main(int argc, char **argv)
{
	yaml_parser_t parser;
	yaml_event_t event;
	FILE *f;
	int done = 0, rc = 1;
	size_t events = 0;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: yaml_parse FILE (a file that can be read)\n");
		return 1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			fprintf(stderr, "yaml_parse: %s: %s\n", argv[1],
			    parser.problem ? parser.problem : "cannot parse");
			goto cleanup;
		}
		done = event.type == YAML_STREAM_END_EVENT;
		events++;
		yaml_event_delete(&event);
	}
	rc = 0;
	/* Printed, so that no compiler takes the loop for dead code. */
	printf("%zu events\n", events);
cleanup:
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}
