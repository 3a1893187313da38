// SPDX-License-Identifier: GPL-2.0
/*
 * ioexit - the cost and correctness of exits to userspace and to the kernel:
 * port I/O (1, 2, 4 bytes, and string I/O), MMIO (1, 2, 4, 8 bytes), cpuid
 * and a port bound to an ioeventfd.  Each cost is measured at CPL3 and at
 * CPL0; `baseline` gives the empty loop at both, since CPL0 code may be
 * emulated and its loop overhead is part of every CPL0 figure.
 */
#include "kb.h"

#define ECHO_MMIO	((volatile uint8_t *)KB_MMIO_ECHO)

static const char *const cpl_name[] = { "cpl0", "", "", "cpl3" };

static void measure_both(const char *op, kb_bench_fn fn, void *arg)
{
	char name[KB_NAME_MAX];
	unsigned cpl;

	for (cpl = 0; cpl <= 3; cpl += 3) {
		kb_snprintf(name, sizeof(name), "%s.%s", op, cpl_name[cpl]);
		kb_measure(name, cpl, fn, arg);
	}
}

static void bench_empty(void *arg, uint64_t n)
{
	while (n--)
		asm volatile("" ::: "memory");
}

KB_TEST(baseline, "empty measurement loop at CPL3 and CPL0 (the overhead in every figure)")
{
	measure_both("empty_loop", bench_empty, 0);
}

static void bench_outb(void *a, uint64_t n) { while (n--) kb_outb(KB_PORT_NULL, 0); }
static void bench_outw(void *a, uint64_t n) { while (n--) kb_outw(KB_PORT_NULL, 0); }
static void bench_outl(void *a, uint64_t n) { while (n--) kb_outl(KB_PORT_NULL, 0); }
static void bench_inb(void *a, uint64_t n) { while (n--) kb_inb(KB_PORT_NULL); }
static void bench_inw(void *a, uint64_t n) { while (n--) kb_inw(KB_PORT_NULL); }
static void bench_inl(void *a, uint64_t n) { while (n--) kb_inl(KB_PORT_NULL); }

/* Round trip through the echo FIFO: what goes out must come back, width by width. */
static void check_pio_data(void)
{
	static const uint32_t vals[] = { 0, 1, 0x5a, 0xa5a5, 0xdeadbeef, 0xffffffff, 0x80000001 };
	unsigned i, bad1 = 0, bad2 = 0, bad4 = 0;
	uint32_t v;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		v = vals[i];
		kb_outb(KB_PORT_ECHO, v);
		bad1 += kb_inb(KB_PORT_ECHO) != (uint8_t)v;
		kb_outw(KB_PORT_ECHO, v);
		bad2 += kb_inw(KB_PORT_ECHO) != (uint16_t)v;
		kb_outl(KB_PORT_ECHO, v);
		bad4 += kb_inl(KB_PORT_ECHO) != v;
	}
	kb_check("pio_roundtrip_1", !bad1, "%u of 7 byte values came back different", bad1);
	kb_check("pio_roundtrip_2", !bad2, "%u of 7 word values came back different", bad2);
	kb_check("pio_roundtrip_4", !bad4, "%u of 7 dword values came back different", bad4);
	/* One 4-byte out, four 1-byte ins: the bytes are in little-endian order. */
	kb_outl(KB_PORT_ECHO, 0x04030201);
	v = kb_inb(KB_PORT_ECHO) | kb_inb(KB_PORT_ECHO) << 8 | kb_inb(KB_PORT_ECHO) << 16 |
	    (uint32_t)kb_inb(KB_PORT_ECHO) << 24;
	kb_check("pio_byte_order", v == 0x04030201, "outl 0x04030201 read back as %x", v);
	v = kb_inl(KB_PORT_NULL);
	kb_check("pio_in_null", v == KB_NULL_PATTERN, "inl from the null port gave %x, want %x",
		 v, KB_NULL_PATTERN);
}

/*
 * The echo FIFO, the MMIO echo and the eventfd are one per VM: with several vCPUs their
 * data checks run on vCPU 0 alone, or the vCPUs would read each other's bytes.
 */
static int shared_device_owner(void)
{
	return kb_cpu_id() == 0;
}

KB_TEST(pio, "port I/O out/in of 1, 2, 4 bytes to userspace: cost and data round trip")
{
	if (shared_device_owner())
		check_pio_data();
	measure_both("outb", bench_outb, 0);
	measure_both("outw", bench_outw, 0);
	measure_both("outl", bench_outl, 0);
	measure_both("inb", bench_inb, 0);
	measure_both("inw", bench_inw, 0);
	measure_both("inl", bench_inl, 0);
}

#define STR_LEN	256
static uint8_t str_out[STR_LEN], str_in[STR_LEN];

static void outs(const void *buf, unsigned long count, unsigned size, uint16_t port)
{
	if (size == 1)
		asm volatile("rep outsb" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
	else if (size == 2)
		asm volatile("rep outsw" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
	else
		asm volatile("rep outsl" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

static void ins(void *buf, unsigned long count, unsigned size, uint16_t port)
{
	if (size == 1)
		asm volatile("rep insb" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
	else if (size == 2)
		asm volatile("rep insw" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
	else
		asm volatile("rep insl" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static void bench_outsb(void *a, uint64_t n) { while (n--) outs(str_out, STR_LEN, 1, KB_PORT_NULL); }
static void bench_insb(void *a, uint64_t n) { while (n--) ins(str_in, STR_LEN, 1, KB_PORT_NULL); }

KB_TEST(pio_string, "string port I/O (rep outs/ins, 256 bytes): data round trip and cost per rep")
{
	char name[32];
	unsigned size, i;

	for (size = 1; size <= 4 && shared_device_owner(); size *= 2) {
		for (i = 0; i < STR_LEN; i++) {
			str_out[i] = i * 7 + size;
			str_in[i] = 0;
		}
		outs(str_out, STR_LEN / size, size, KB_PORT_ECHO);
		ins(str_in, STR_LEN / size, size, KB_PORT_ECHO);
		kb_snprintf(name, sizeof(name), "pio_string_roundtrip_%u", size);
		kb_check(name, !memcmp(str_out, str_in, STR_LEN), "rep outs/ins of %u x %u bytes: %s",
			 STR_LEN / size, size, memcmp(str_out, str_in, STR_LEN) ? "data differs" : "same data back");
	}
	measure_both("rep_outsb_256", bench_outsb, 0);
	measure_both("rep_insb_256", bench_insb, 0);
}

static void bench_mmio_w1(void *a, uint64_t n) { while (n--) *(volatile uint8_t *)ECHO_MMIO = 1; }
static void bench_mmio_w2(void *a, uint64_t n) { while (n--) *(volatile uint16_t *)ECHO_MMIO = 1; }
static void bench_mmio_w4(void *a, uint64_t n) { while (n--) *(volatile uint32_t *)ECHO_MMIO = 1; }
static void bench_mmio_w8(void *a, uint64_t n) { while (n--) *(volatile uint64_t *)ECHO_MMIO = 1; }
static void bench_mmio_r4(void *a, uint64_t n) { while (n--) (void)*(volatile uint32_t *)ECHO_MMIO; }
static void bench_mmio_r8(void *a, uint64_t n) { while (n--) (void)*(volatile uint64_t *)ECHO_MMIO; }

static void check_mmio_data(void)
{
	volatile uint8_t *b = ECHO_MMIO + 0x100;
	volatile uint16_t *w = (volatile uint16_t *)(ECHO_MMIO + 0x200);
	volatile uint32_t *l = (volatile uint32_t *)(ECHO_MMIO + 0x300);
	volatile uint64_t *q = (volatile uint64_t *)(ECHO_MMIO + 0x400);
	uint64_t v;

	*b = 0xa5;
	kb_check("mmio_roundtrip_1", *b == 0xa5, "wrote a5, read %x", *b);
	*w = 0xbeef;
	kb_check("mmio_roundtrip_2", *w == 0xbeef, "wrote beef, read %x", *w);
	*l = 0xdeadbeef;
	kb_check("mmio_roundtrip_4", *l == 0xdeadbeef, "wrote deadbeef, read %x", *l);
	*q = 0x0123456789abcdefull;
	v = *q;
	kb_check("mmio_roundtrip_8", v == 0x0123456789abcdefull, "wrote 0123456789abcdef, read %lx", v);
	/* An 8-byte write seen as bytes: the device got the width and the order right. */
	v = b[0x300] | (uint64_t)b[0x301] << 8 | (uint64_t)b[0x306] << 48 | (uint64_t)b[0x307] << 56;
	kb_check("mmio_byte_order", v == 0x012300000000cdefull,
		 "bytes 0,1,6,7 of an 8-byte write read back as %lx", v);
}

KB_TEST(mmio, "MMIO writes and reads of 1, 2, 4, 8 bytes to userspace: cost and data")
{
	if (shared_device_owner())
		check_mmio_data();
	measure_both("mmio_write1", bench_mmio_w1, 0);
	measure_both("mmio_write2", bench_mmio_w2, 0);
	measure_both("mmio_write4", bench_mmio_w4, 0);
	measure_both("mmio_write8", bench_mmio_w8, 0);
	measure_both("mmio_read4", bench_mmio_r4, 0);
	measure_both("mmio_read8", bench_mmio_r8, 0);
}

static void bench_cpuid(void *a, uint64_t n)
{
	uint32_t r[4];

	while (n--)
		kb_cpuid(0, 0, r);
}

KB_TEST(cpuid, "cpuid: an exit handled inside KVM, never seen by the VMM")
{
	uint32_t r[4];

	kb_cpuid(0, 0, r);
	kb_check("cpuid_vendor", r[0] >= 1 && r[1] != 0, "cpuid(0): max leaf %u, ebx %x", r[0], r[1]);
	measure_both("cpuid", bench_cpuid, 0);
}

static void bench_eventfd(void *a, uint64_t n) { while (n--) kb_outl(KB_PORT_EVENTFD, 1); }

static long count_writes(void *arg)
{
	unsigned i;

	for (i = 0; i < 10; i++)
		kb_outl(KB_PORT_EVENTFD, i);
	return 0;
}

static struct kb_barrier eventfd_counted;

KB_TEST(ioeventfd, "outl to a port bound to a KVM_IOEVENTFD: completed in the kernel")
{
	uint64_t n;

	if (!(kb_bi->host_flags & KB_HOST_IOEVENTFD)) {
		kb_skip("ioeventfd", "the host has no KVM_CAP_IOEVENTFD");
		return;
	}
	if (shared_device_owner()) {
		kb_eventfd_count();	/* reset */
		count_writes(0);
		kb_cpl0(count_writes, 0);
		n = kb_eventfd_count();
		kb_check("ioeventfd_signals", n == 20,
			 "20 writes (10 at CPL3, 10 at CPL0) signalled the eventfd %lu times", n);
	}
	/*
	 * One eventfd for every vCPU: the others write to it only once it is
	 * counted.  APs left waiting for INIT/SIPI never run the test.
	 */
	if (kb_bi->nr_vcpus > 1 && !(kb_bi->host_flags & KB_HOST_APS_WAIT) &&
	    kb_barrier_wait(&eventfd_counted, kb_bi->nr_vcpus, kb_deadline_ms(10000))) {
		kb_check("setup", 0, "vCPU %u: the vCPUs did not meet after the count within 10 s",
			 kb_cpu_id());
		return;
	}
	measure_both("ioeventfd_outl", bench_eventfd, 0);
}
