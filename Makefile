# rangectl: a cyber-exercise range orchestrator.
#
#	make [all] | demo | check | asan | lint | fuzz [FUZZ_SECONDS=60] | bench
#	     | install | clean
#
# WERROR=1 (CI sets it) turns warnings into errors. BUILD is the folder that
# gets every generated file, so a sanitizer build never mixes with a plain one.

PREFIX	?= /usr/local
BUILD	?= build
CFLAGS	?= -g -O2
FUZZ_SECONDS ?= 60
PKGS	= libvirt libvirt-qemu libmicrohttpd jansson yaml-0.1 gnutls

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
	-Iinclude $(PKG_CFLAGS) -DRANGECTL_DATADIR='"$(PREFIX)/share/rangectl"' \
	-DRANGECTL_LIBEXECDIR='"$(PREFIX)/libexec/rangectl"' -MMD -MP
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
FUZZERS	= $(BUILD)/fuzz_scenario $(BUILD)/fuzz_agent $(BUILD)/fuzz_api
BENCHES	= $(BUILD)/bench/provision $(BUILD)/bench/engine $(BUILD)/bench/sse_client \
	  $(BUILD)/bench/place
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

$(FUZZERS): $(BUILD)/%: $(BUILD)/tests/fuzz/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# Order-only, so that checking the libraries never makes an object stale.
$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@tools/deps.sh

check: all $(TESTS)
	tests/run $(BUILD)

# The main job, as far as it goes today: check both example exercises, show
# the demo range's plan, and build it on real guests in a private namespace.
demo: all
	$(BUILD)/rangectl validate scenarios/*.yaml
	$(BUILD)/rangectl plan scenarios/demo.yaml
	tools/demo.sh $(BUILD)

# The appliance guest, from Debian's packages; build.sh is quick when the
# result is up to date, so it always runs.
images:
	images/build.sh images/build

bench: all $(BENCHES)
	bench/plan $(BUILD)/rangectl
	$(BUILD)/bench/provision
	$(BUILD)/bench/engine
	$(BUILD)/bench/place
	bench/http $(BUILD)

# The end-to-end tests run the same binary under a real libvirtd already;
# under the sanitizers they would only be slower.
asan:
	$(MAKE) BUILD=build-asan SANITIZE="$(ASAN)" E2E=0 check

# Seeds are renamed by their folder, as both folders may hold a demo.yaml.
# A hang is a bug too (a scenario can come from anyone), hence -timeout.
# fuzz_agent reads the guest agent's answers (a guest can be anyone's too);
# its seeds are needed, as libFuzzer cannot see into jansson to find JSON.
# fuzz_api takes requests as anyone may send them (FLAGS METHOD\0PATH\0
# TOKEN\0BODY, see the file) and runs from here, for scenarios/demo.yaml.
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE="$(FUZZSAN)" build-fuzz/fuzz_scenario \
		build-fuzz/fuzz_agent build-fuzz/fuzz_api
	@mkdir -p build-fuzz/corpus build-fuzz/corpus-agent build-fuzz/corpus-api
	@for f in $(SEEDS); do cp $$f build-fuzz/corpus/$$(echo $$f | tr / _); done
	@cp tests/fuzz/agent/*.json build-fuzz/corpus-agent/
	@cp tests/fuzz/api/* build-fuzz/corpus-api/
	build-fuzz/fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -dict=tests/fuzz/scenario.dict \
		-artifact_prefix=build-fuzz/ build-fuzz/corpus
	build-fuzz/fuzz_agent -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -dict=tests/fuzz/agent.dict \
		-artifact_prefix=build-fuzz/agent- build-fuzz/corpus-agent
	build-fuzz/fuzz_api -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		-timeout=10 -dict=tests/fuzz/api.dict \
		-artifact_prefix=build-fuzz/api- build-fuzz/corpus-api

# One configuration (-D) keeps cppcheck from trying every #ifdef; the
# system headers are libraries' business, not ours.
lint:
	cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Iinclude orchestrator
	tools/banned.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/rangectl/web
	install -m 755 $(BUILD)/rangectl $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/libexec/rangectl
	install -m 755 $(BUILD)/rangectl-virt $(DESTDIR)$(PREFIX)/libexec/rangectl/
	$(if $(wildcard docs/*.1),install -m 644 $(wildcard docs/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(wildcard docs/*.5),install -m 644 $(wildcard docs/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/)
	$(if $(wildcard web),cp -R web/. $(DESTDIR)$(PREFIX)/share/rangectl/web/)

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all deps check demo images bench asan fuzz lint install clean

-include $(OBJS:.o=.d) $(TESTOBJS:.o=.d) $(FUZZERS:$(BUILD)/%=$(BUILD)/tests/fuzz/%.d) \
	$(VIRTMAIN:.o=.d) \
	$(BENCHES:=.d)
