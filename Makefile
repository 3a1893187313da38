# kvmbench - benchmark and conformance harness for KVM.
#
#   make run     install missing packages, build, run the default scenario set
#   make check   build and run every test through prove (plain and ASan+UBSan)
#   make bench   the benchmark figures only (no assertions)
#   make check-vm   make check inside a QEMU (TCG) VM with kvm_amd, for a
#                machine without /dev/kvm (scripts/kvm-vm/)
#
# Host side (vmm/, harness/) is built twice: build/ and build/asan/.
# Guests are freestanding ELF64 images in build/guests/.

CC		?= gcc
BUILD		:= build
ASAN		:= $(BUILD)/asan
VERSION		:= $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARN		:= -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
HOST_CFLAGS	:= -std=gnu11 -O2 -g $(WARN) -Iinclude -Ivmm -Iharness \
		   -D_GNU_SOURCE -DKVMBENCH_VERSION='"$(VERSION)"' -MMD -MP
ASAN_FLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
HOST_LDLIBS	:= -lyaml -lpfm -lpthread -lm

GUEST_CFLAGS	:= -std=gnu11 -O2 -g $(WARN) -D__KB_GUEST__ -Iinclude -Iguests/lib \
		   -ffreestanding -fno-builtin -nostdlib -mno-red-zone -fno-pic \
		   -fno-pie -mcmodel=small -mgeneral-regs-only -fno-stack-protector \
		   -fno-asynchronous-unwind-tables -fcf-protection=none -MMD -MP
GUEST_LDFLAGS	:= -nostdlib -static -no-pie -Wl,-T,guests/guest.ld \
		   -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments

VMM_SRCS	:= $(wildcard vmm/*.c)
HARNESS_SRCS	:= $(filter-out harness/main.c,$(wildcard harness/*.c))
LIB_SRCS	:= $(VMM_SRCS) $(HARNESS_SRCS)
TEST_C		:= $(wildcard tests/*.c)
TEST_SH		:= $(filter-out tests/lib.sh,$(wildcard tests/*.sh))
GUEST_LIB	:= $(wildcard guests/lib/*.c guests/lib/*.S)
GUESTS		:= $(filter-out lib include,$(patsubst guests/%/,%,$(wildcard guests/*/)))

LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS_ASAN	:= $(LIB_SRCS:%.c=$(ASAN)/%.o)
TESTS		:= $(TEST_C:tests/%.c=$(BUILD)/tests/%.t) $(TEST_SH:tests/%.sh=$(BUILD)/tests/%.t)
TESTS_ASAN	:= $(TEST_C:tests/%.c=$(ASAN)/tests/%.t) $(TEST_SH:tests/%.sh=$(ASAN)/tests/%.t)
GUEST_ELFS	:= $(GUESTS:%=$(BUILD)/guests/%.elf)

.PHONY: all deps run check check-vm bench clean guests tests
# Keep objects: no "rm" after prove's summary, and faster rebuilds.
.SECONDARY:
all: $(BUILD)/kvmbench $(ASAN)/kvmbench guests tests

guests: $(GUEST_ELFS)
tests: $(TESTS) $(TESTS_ASAN)

deps:
	@scripts/install-deps

# Host side, plain and sanitized.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@
$(ASAN)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(BUILD)/kvmbench: $(BUILD)/harness/main.o $(LIB_OBJS)
	$(CC) -o $@ $^ $(HOST_LDLIBS)
$(ASAN)/kvmbench: $(ASAN)/harness/main.o $(LIB_OBJS_ASAN)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(HOST_LDLIBS)

# Tests: C files link the whole host library; shell tests are copied.
$(BUILD)/tests/%.t: $(BUILD)/tests/%.o $(LIB_OBJS)
	$(CC) -o $@ $^ $(HOST_LDLIBS)
$(ASAN)/tests/%.t: $(ASAN)/tests/%.o $(LIB_OBJS_ASAN)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(HOST_LDLIBS)
define copy_sh
	@mkdir -p $(dir $@)
	cp tests/lib.sh $(dir $@)lib.sh
	cp $< $@ && chmod +x $@
endef
$(BUILD)/tests/%.t: tests/%.sh tests/lib.sh
	$(copy_sh)
$(ASAN)/tests/%.t: tests/%.sh tests/lib.sh
	$(copy_sh)

# Guests: one directory each, linked with the runtime in guests/lib.
$(BUILD)/guests/%.o: guests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/%.o: guests/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

GUEST_LIB_OBJS	:= $(patsubst guests/%,$(BUILD)/guests/%.o,$(basename $(GUEST_LIB)))
define guest_rule
$(BUILD)/guests/$(1).elf: $(patsubst guests/%,$(BUILD)/guests/%.o,$(basename $(wildcard guests/$(1)/*.c))) $(GUEST_LIB_OBJS) guests/guest.ld
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
endef
$(foreach g,$(GUESTS),$(eval $(call guest_rule,$(g))))

# The README's two commands.
run: deps all
	$(BUILD)/kvmbench run --default

check: deps all
	prove --exec '' $(TESTS) $(TESTS_ASAN)

# The tests that need /dev/kvm SKIP without one; here they run on KVM in a VM.
check-vm: deps all
	scripts/kvm-vm/kvm-vm -t 3600 -- $(MAKE) check

bench: deps all
	$(BUILD)/kvmbench run --default --bench

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
