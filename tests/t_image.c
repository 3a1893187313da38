// SPDX-License-Identifier: GPL-2.0
/*
 * t_image - the guest ELF loader against truncated and hostile files: every
 * one must be refused with a reason, none may crash (ASan build included).
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>

#include "tap_test.h"
#include "vmm.h"

static uint8_t *good;
static size_t good_len;

static int parse(const uint8_t *buf, size_t len, char *err)
{
	struct vmm_image img;

	err[0] = 0;
	return image_parse(buf, len, &img, err, VMM_ERR_MAX);
}

/* mutate - a copy of the good image with @fn applied, parsed; returns the error text. */
static int mutate(void (*fn)(uint8_t *, Elf64_Ehdr *), char *err)
{
	uint8_t *b = malloc(good_len);
	int r;

	memcpy(b, good, good_len);
	fn(b, (Elf64_Ehdr *)b);
	r = parse(b, good_len, err);
	free(b);
	return r;
}

static Elf64_Phdr *phdr(uint8_t *b, Elf64_Ehdr *e, int i) { return (Elf64_Phdr *)(b + e->e_phoff) + i; }
static void m_magic(uint8_t *b, Elf64_Ehdr *e) { b[1] = 'X'; }
static void m_class(uint8_t *b, Elf64_Ehdr *e) { e->e_ident[EI_CLASS] = ELFCLASS32; }
static void m_machine(uint8_t *b, Elf64_Ehdr *e) { e->e_machine = EM_AARCH64; }
static void m_phoff(uint8_t *b, Elf64_Ehdr *e) { e->e_phoff = ~0ull - 8; }
static void m_phnum(uint8_t *b, Elf64_Ehdr *e) { e->e_phnum = 0xffff; }
static void m_phentsize(uint8_t *b, Elf64_Ehdr *e) { e->e_phentsize = 12; }
static void m_shoff(uint8_t *b, Elf64_Ehdr *e) { e->e_shoff = good_len; }
static void m_shstrndx(uint8_t *b, Elf64_Ehdr *e) { e->e_shstrndx = e->e_shnum; }
static void m_seg_offset(uint8_t *b, Elf64_Ehdr *e) { phdr(b, e, 0)->p_offset = good_len; }
static void m_seg_filesz(uint8_t *b, Elf64_Ehdr *e) { phdr(b, e, 0)->p_filesz = phdr(b, e, 0)->p_memsz + 1; }
static void m_seg_low(uint8_t *b, Elf64_Ehdr *e) { phdr(b, e, 0)->p_paddr = 0x1000; }
static void m_seg_huge(uint8_t *b, Elf64_Ehdr *e) { phdr(b, e, 0)->p_memsz = ~0ull - 0x1000; }
static void m_seg_wrap(uint8_t *b, Elf64_Ehdr *e) { phdr(b, e, 0)->p_paddr = ~0ull - 0x10; }
static void m_entry(uint8_t *b, Elf64_Ehdr *e) { e->e_entry = 0x10; }

/* The image header is the first bytes of the first segment. */
static struct kb_image *hdr(uint8_t *b, Elf64_Ehdr *e) { return (void *)(b + phdr(b, e, 0)->p_offset); }
static void m_hdr_magic(uint8_t *b, Elf64_Ehdr *e) { hdr(b, e)->magic ^= 1; }
static void m_hdr_abi(uint8_t *b, Elf64_Ehdr *e) { hdr(b, e)->abi_version = 99; }
static void m_hdr_nvec(uint8_t *b, Elf64_Ehdr *e) { hdr(b, e)->nr_vectors = 1000; }
static void m_hdr_vec(uint8_t *b, Elf64_Ehdr *e) { hdr(b, e)->vectors[14] = 0xdead0000; }
static void m_hdr_novec(uint8_t *b, Elf64_Ehdr *e) { hdr(b, e)->vectors[13] = 0; }

static const struct {
	void (*fn)(uint8_t *, Elf64_Ehdr *);
	const char *what, *want;
} cases[] = {
	{ m_magic, "bad ELF magic", "not an ELF file" },
	{ m_class, "ELF32", "not a little-endian ELF64" },
	{ m_machine, "another machine", "not an x86-64 executable" },
	{ m_phoff, "program headers past the end", "program headers out of file bounds" },
	{ m_phnum, "65535 program headers", "program headers out of file bounds" },
	{ m_phentsize, "odd program header size", "program headers out of file bounds" },
	{ m_shoff, "section headers past the end", "section headers out of file bounds" },
	{ m_shstrndx, "section name index out of range", "section headers out of file bounds" },
	{ m_seg_offset, "segment data past the end", "file range out of bounds" },
	{ m_seg_filesz, "filesz > memsz", "file range out of bounds" },
	{ m_seg_low, "segment over the VMM's tables", "outside guest RAM layout" },
	{ m_seg_huge, "segment larger than guest RAM", "outside guest RAM layout" },
	{ m_seg_wrap, "segment address wrapping around", "outside guest RAM layout" },
	{ m_entry, "entry point outside the image", "entry point" },
	{ m_hdr_magic, "no kvmbench image magic", "not a kvmbench guest" },
	{ m_hdr_abi, "another ABI version", "guest ABI version 99" },
	{ m_hdr_nvec, "1000 vectors", "lists 1000 vectors" },
	{ m_hdr_vec, "handler outside the image", "vector 14 handler outside the image" },
	{ m_hdr_novec, "no #GP handler", "no handler for exception vector 13" },
};

static void test_good(void)
{
	struct vmm_image img;
	char err[VMM_ERR_MAX];

	ok(!image_parse(good, good_len, &img, err, sizeof(err)), "the built ioexit guest parses");
	ok(img.nr_tests >= 6 && image_find_test(&img, "pio"), "its .kb_tests lists pio among %d tests",
	   img.nr_tests);
	ok(!image_find_test(&img, "nope"), "an unknown test is not found");
	ok(img.lo == KB_IMAGE_BASE && img.entry > img.lo && img.entry < img.hi,
	   "it loads at KB_IMAGE_BASE with the entry inside");
}

static void test_truncated(void)
{
	char err[VMM_ERR_MAX];
	size_t len, refused = 0, tried = 0;

	/* Every prefix up to the headers, then every 97th: all must be refused. */
	for (len = 0; len < good_len; len += len < 4096 ? 1 : 97, tried++)
		refused += parse(good, len, err) == -EINVAL;
	is_int(refused, tried, "each of %zu truncated copies is refused", tried);
}

static void test_hostile(void)
{
	char err[VMM_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = mutate(cases[i].fn, err);

		ok(r == -EINVAL && strstr(err, cases[i].want), "%s: refused with '%s'",
		   cases[i].what, cases[i].want);
		if (!strstr(err, cases[i].want))
			diag("got %d '%s'", r, err);
	}
}

/* Random byte flips in the headers: any answer but a crash is fine. */
static void test_fuzz(void)
{
	uint8_t *b = malloc(good_len);
	char err[VMM_ERR_MAX];
	unsigned i, j, seed = 12345;

	for (i = 0; i < 3000; i++) {
		memcpy(b, good, good_len);
		for (j = 0; j < 4; j++) {
			seed = seed * 1103515245 + 12345;
			b[(seed >> 8) % (i & 1 ? 4096 : good_len)] ^= 1 << (seed % 8);
		}
		parse(b, good_len, err);
	}
	free(b);
	ok(1, "3000 randomly corrupted images parsed without a crash");
}

int main(void)
{
	char path[PATH_MAX + 32], err[VMM_ERR_MAX];
	struct vmm_image img;

	snprintf(path, sizeof(path), "%s/ioexit.elf", tt_guests_dir());
	if (image_load(path, &img, err, sizeof(err))) {
		printf("not ok 1 - load %s: %s\n1..1\n", path, err);
		return 1;
	}
	good = img.buf;
	good_len = img.len;
	test_good();
	test_truncated();
	test_hostile();
	test_fuzz();
	ok(image_load("/nonexistent/x.elf", &img, err, sizeof(err)) == -ENOENT &&
	   strstr(err, "/nonexistent/x.elf"), "a missing file is named in the error");
	ok(image_load("/etc/passwd", &img, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "not an ELF file"), "a text file is not an ELF file");
	free(good);
	return done_testing();
}
