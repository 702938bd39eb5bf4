/*
 * fuzz_scenario.c: libFuzzer entry for the scenario loader and planner,
 * the code that reads input from anyone. Run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>

#include "rangectl/diag.h"
#include "rangectl/plan.h"
#include "rangectl/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list diags;
	struct scenario *sc;

	diag_list_init(&diags);
	sc = scenario_load_buffer((const char *)data, size, "fuzz.yaml", &diags);
	if (sc) {
		struct plan *p = plan_build(sc, &diags);

		plan_free(p);
	}
	scenario_free(sc);
	diag_list_clear(&diags);
	return 0;
}
