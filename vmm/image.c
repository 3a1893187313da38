// SPDX-License-Identifier: GPL-2.0
/*
 * image.c - parse and validate a kvmbench guest ELF.
 *
 * The file may be hostile (a user can point kvmbench at any path), so every
 * offset and size is checked against the file before it is used, and every
 * loaded address against the guest-physical layout of kb_abi.h.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm_int.h"

#define IMAGE_MAX_SIZE	(64u << 20)

static int image_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* in_file - is [off, off + size) inside a file of @len bytes? */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t len, char *err, size_t errlen)
{
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return image_err(err, errlen, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return image_err(err, errlen, "not a little-endian ELF64 file");
	if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return image_err(err, errlen, "not an x86-64 executable (e_machine %u, e_type %u)",
				 eh->e_machine, eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return image_err(err, errlen, "program headers out of file bounds");
	if (eh->e_shnum && (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), len) ||
	    eh->e_shstrndx >= eh->e_shnum))
		return image_err(err, errlen, "section headers out of file bounds");
	return 0;
}

static int add_segment(struct vmm_image *img, const Elf64_Phdr *ph, size_t len,
		       char *err, size_t errlen)
{
	struct vmm_segment *s;

	if (img->nr_segments == VMM_MAX_SEGMENTS)
		return image_err(err, errlen, "more than %d loadable segments", VMM_MAX_SEGMENTS);
	if (ph->p_filesz > ph->p_memsz || !in_file(ph->p_offset, ph->p_filesz, len))
		return image_err(err, errlen, "segment at %#lx: file range out of bounds",
				 (unsigned long)ph->p_paddr);
	if (ph->p_paddr < KB_IMAGE_BASE || ph->p_memsz > KB_RAM_MAX ||
	    ph->p_paddr > KB_RAM_MAX - ph->p_memsz)
		return image_err(err, errlen, "segment [%#lx, +%#lx) outside guest RAM layout",
				 (unsigned long)ph->p_paddr, (unsigned long)ph->p_memsz);
	s = &img->seg[img->nr_segments++];
	s->gpa = ph->p_paddr;
	s->filesz = ph->p_filesz;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	if (img->nr_segments == 1 || s->gpa < img->lo)
		img->lo = s->gpa;
	if (s->gpa + s->memsz > img->hi)
		img->hi = s->gpa + s->memsz;
	return 0;
}

static int load_segments(struct vmm_image *img, const Elf64_Ehdr *eh,
			 char *err, size_t errlen)
{
	const Elf64_Phdr *ph = (const void *)(img->buf + eh->e_phoff);
	int i, j, r;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		r = add_segment(img, &ph[i], img->len, err, errlen);
		if (r)
			return r;
	}
	if (!img->nr_segments)
		return image_err(err, errlen, "no loadable segment");
	for (i = 0; i < img->nr_segments; i++)
		for (j = i + 1; j < img->nr_segments; j++)
			if (img->seg[i].gpa < img->seg[j].gpa + img->seg[j].memsz &&
			    img->seg[j].gpa < img->seg[i].gpa + img->seg[i].memsz)
				return image_err(err, errlen, "overlapping segments");
	return 0;
}

/* image_bytes - file bytes backing guest address [gpa, gpa + size), or NULL. */
static const void *image_bytes(const struct vmm_image *img, uint64_t gpa, uint64_t size)
{
	int i;

	for (i = 0; i < img->nr_segments; i++) {
		const struct vmm_segment *s = &img->seg[i];

		if (gpa >= s->gpa && size <= s->filesz && gpa - s->gpa <= s->filesz - size)
			return img->buf + s->offset + (gpa - s->gpa);
	}
	return NULL;
}

static int read_header(struct vmm_image *img, const Elf64_Ehdr *eh,
		       char *err, size_t errlen)
{
	const void *p = image_bytes(img, img->lo, sizeof(img->hdr));
	int i;

	if (!p)
		return image_err(err, errlen, "no kvmbench image header at %#lx",
				 (unsigned long)img->lo);
	memcpy(&img->hdr, p, sizeof(img->hdr));
	if (img->hdr.magic != KB_IMAGE_MAGIC)
		return image_err(err, errlen, "not a kvmbench guest (no image header magic)");
	if (img->hdr.abi_version != KB_ABI_VERSION)
		return image_err(err, errlen, "guest ABI version %u, kvmbench speaks %u",
				 img->hdr.abi_version, KB_ABI_VERSION);
	if (img->hdr.nr_vectors < KB_NR_EXCEPTIONS || img->hdr.nr_vectors > KB_NR_VECTORS)
		return image_err(err, errlen, "image header lists %u vectors, expected %u..%u",
				 img->hdr.nr_vectors, KB_NR_EXCEPTIONS, KB_NR_VECTORS);
	for (i = 0; i < KB_NR_VECTORS; i++) {
		uint64_t v = img->hdr.vectors[i];

		if (i >= (int)img->hdr.nr_vectors)
			img->hdr.vectors[i] = 0;
		else if (!v && i < KB_NR_EXCEPTIONS)
			return image_err(err, errlen, "no handler for exception vector %d", i);
		else if (v && (v < img->lo || v >= img->hi))
			return image_err(err, errlen, "vector %d handler outside the image", i);
	}
	img->entry = eh->e_entry;
	if (img->entry < img->lo || img->entry >= img->hi)
		return image_err(err, errlen, "entry point %#lx outside the image",
				 (unsigned long)img->entry);
	return 0;
}

/* find_section - the section header named @name, or NULL. */
static const Elf64_Shdr *find_section(const struct vmm_image *img, const Elf64_Ehdr *eh,
				      const char *name)
{
	const Elf64_Shdr *sh = (const void *)(img->buf + eh->e_shoff);
	const Elf64_Shdr *strs;
	size_t nlen = strlen(name);
	int i;

	if (!eh->e_shnum)
		return NULL;
	strs = &sh[eh->e_shstrndx];
	if (strs->sh_type != SHT_STRTAB || !in_file(strs->sh_offset, strs->sh_size, img->len))
		return NULL;
	for (i = 0; i < eh->e_shnum; i++) {
		uint64_t off = sh[i].sh_name;

		if (off >= strs->sh_size || strs->sh_size - off < nlen + 1)
			continue;
		if (!memcmp(img->buf + strs->sh_offset + off, name, nlen + 1))
			return &sh[i];
	}
	return NULL;
}

static int test_cmp(const void *a, const void *b)
{
	const struct kb_test_desc *x = a, *y = b;

	return x->fn < y->fn ? -1 : x->fn > y->fn;
}

static int read_tests(struct vmm_image *img, const Elf64_Ehdr *eh, char *err, size_t errlen)
{
	const Elf64_Shdr *sh = find_section(img, eh, ".kb_tests");
	const struct kb_test_desc *d;
	size_t i, n;

	if (!sh)
		return image_err(err, errlen, "no .kb_tests section: the guest lists no tests");
	if (sh->sh_type != SHT_PROGBITS || !in_file(sh->sh_offset, sh->sh_size, img->len) ||
	    sh->sh_size % sizeof(*d))
		return image_err(err, errlen, ".kb_tests section is malformed");
	n = sh->sh_size / sizeof(*d);
	if (n == 0 || n > VMM_MAX_TESTS)
		return image_err(err, errlen, ".kb_tests lists %zu tests (1..%d allowed)",
				 n, VMM_MAX_TESTS);
	d = (const void *)(img->buf + sh->sh_offset);
	for (i = 0; i < n; i++) {
		struct kb_test_desc *t = &img->tests[i];

		memcpy(t, &d[i], sizeof(*t));
		t->name[KB_TEST_NAME_MAX - 1] = 0;
		t->desc[KB_TEST_DESC_MAX - 1] = 0;
		if (!t->name[0] || t->fn < img->lo || t->fn >= img->hi)
			return image_err(err, errlen, "test %zu of .kb_tests is malformed", i);
	}
	img->nr_tests = n;
	/* Compilers may emit the table in any order; code follows the source. */
	qsort(img->tests, n, sizeof(img->tests[0]), test_cmp);
	return 0;
}

int image_parse(const void *buf, size_t len, struct vmm_image *img,
		char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = buf;
	int r;

	memset(img, 0, sizeof(*img));
	img->buf = (uint8_t *)buf;
	img->len = len;
	r = check_ehdr(eh, len, err, errlen);
	if (!r)
		r = load_segments(img, eh, err, errlen);
	if (!r)
		r = read_header(img, eh, err, errlen);
	if (!r)
		r = read_tests(img, eh, err, errlen);
	return r;
}

int image_load(const char *path, struct vmm_image *img, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd, r;

	memset(img, 0, sizeof(*img));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > IMAGE_MAX_SIZE) {
		close(fd);
		return image_err(err, errlen, "%s: not a regular file of at most %u MiB",
				 path, IMAGE_MAX_SIZE >> 20);
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return image_err(err, errlen, "%s: short read", path);
	}
	r = image_parse(buf, n, img, err, errlen);
	if (r) {
		char tmp[VMM_ERR_MAX];

		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		snprintf(err, errlen, "%s", tmp);
		free(buf);
		img->buf = NULL;
	}
	return r;
}

void image_free(struct vmm_image *img)
{
	free(img->buf);
	img->buf = NULL;
}

const struct kb_test_desc *image_find_test(const struct vmm_image *img, const char *name)
{
	int i;

	for (i = 0; i < img->nr_tests; i++)
		if (!strcmp(img->tests[i].name, name))
			return &img->tests[i];
	return NULL;
}

const struct kb_test_desc *image_default_test(const struct vmm_image *img)
{
	const Elf64_Ehdr *eh = (const void *)img->buf;
	const Elf64_Shdr *sh;
	const struct kb_test_desc *d;
	char name[KB_TEST_NAME_MAX], why[8];

	if (!img->nr_tests)
		return NULL;
	/* Checked again: a struct vmm_image may also be built by hand. */
	sh = img->buf && !check_ehdr(eh, img->len, why, sizeof(why)) ?
	     find_section(img, eh, ".kb_tests") : NULL;
	if (!sh || sh->sh_size < sizeof(*d) || !in_file(sh->sh_offset, sh->sh_size, img->len))
		return &img->tests[0];
	d = (const void *)(img->buf + sh->sh_offset);
	memcpy(name, d->name, sizeof(name));
	name[sizeof(name) - 1] = 0;
	return image_find_test(img, name) ?: &img->tests[0];
}
