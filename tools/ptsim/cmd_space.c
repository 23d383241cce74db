/* User memory, several spaces and copy-on-write: grow, shrink, alloc, fork, switch, drop,
 * spaces, write, read, fault. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"

#define READ_MAX (64u << 10)

static int need_user_space(struct sim *s, struct space *sp)
{
	if (sp->kind == SPACE_USER)
		return 0;
	return sim_error(s, "space %u is a %s, not a user space (format NAME makes one)", s->cur,
			 space_kind_name(sp->kind));
}

/* Raw mappings (map) must not end up in user memory, where leaves own their frames. */
static int check_no_raw(struct sim *s, struct space *sp, uint64_t from, uint64_t to)
{
	if (to > from && range_has_leaf(&sp->vs.pt, from, to - from))
		return sim_error(s, "[0x%llx, 0x%llx) already holds mappings made with map or poke; "
				    "unmap them first", (unsigned long long)from,
				 (unsigned long long)to);
	return 0;
}

static uint64_t page_up(uint64_t x)
{
	return (x + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);
}

int cmd_grow(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	unsigned perms = PT_R | PT_W | PT_U, flags = 0;
	bool have_perms = false;
	uint64_t by, newsize;
	enum pt_err err;
	char buf[128];

	if (need_user_space(s, sp) || parse_num(s, a->v[1], "SIZE", &by))
		return -1;
	for (int i = 2; i < a->n; i++) {
		if (!strcmp(a->v[i], "lazy") && !flags) {
			flags = VM_GROW_LAZY;
			continue;
		}
		if (have_perms)
			return sim_error(s, "usage: grow SIZE [PERMS] [lazy]");
		if (parse_perms(s, a->v[i], &perms))
			return -1;
		have_perms = true;
	}
	newsize = sp->vs.size + by;
	if (newsize < by || newsize > sp->vs.limit || page_up(newsize) < newsize)
		return sim_error(s, "0x%llx + 0x%llx is beyond the user limit 0x%llx",
				 (unsigned long long)sp->vs.size, (unsigned long long)by,
				 (unsigned long long)sp->vs.limit);
	if (check_no_raw(s, sp, space_user_end(sp), page_up(newsize)))
		return -1;
	err = vm_grow(&sp->vs, newsize, perms, flags);
	if (err == PT_EINVAL && (flags & VM_GROW_LAZY))
		return sim_error(s, "the lazy window is open with other permissions (one window, "
				    "one set of permissions): %s", err_text(err, buf));
	if (err)
		return sim_error(s, "to 0x%llx: %s", (unsigned long long)newsize, err_text(err, buf));
	return 0;
}

int cmd_shrink(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	enum pt_err err;
	uint64_t by;
	char buf[128];

	if (need_user_space(s, sp) || parse_num(s, a->v[1], "SIZE", &by))
		return -1;
	if (by > sp->vs.size)
		return sim_error(s, "0x%llx is more than the user memory, 0x%llx",
				 (unsigned long long)by, (unsigned long long)sp->vs.size);
	if (check_frames(s, sp, sp->vs.size - by, by))
		return -1;
	err = vm_shrink(&sp->vs, sp->vs.size - by);
	return err ? sim_error(s, "%s", err_text(err, buf)) : 0;
}

int cmd_alloc(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	struct vm_space *vs = &sp->vs;
	uint64_t va, size, end = space_user_end(sp);
	unsigned perms;
	enum pt_err err;
	char buf[128];

	if (need_user_space(s, sp) || parse_num(s, a->v[1], "VA", &va) ||
	    parse_num(s, a->v[2], "SIZE", &size) || parse_perms(s, a->v[3], &perms))
		return -1;
	if (!size)
		return sim_error(s, "%s", err_text(PT_EEMPTY, buf));
	if ((va | size) & (PT_PAGE_SIZE - 1))
		return sim_error(s, "%s", err_text(PT_EALIGN, buf));
	if (va + size < va || va + size > vs->limit)
		return sim_error(s, "[0x%llx, +0x%llx) goes beyond the user limit 0x%llx",
				 (unsigned long long)va, (unsigned long long)size,
				 (unsigned long long)vs->limit);
	err = vs->pt.fmt->check_perms(vs->pt.fmt, perms);
	if (err)
		return sim_error(s, "%s", err_text(err, buf));
	if (va > end && vs->lazy_from < vs->size)
		return sim_error(s, "0x%llx: above user memory while a lazy window is open from "
				    "0x%llx (the hole would become lazy)", (unsigned long long)va,
				 (unsigned long long)vs->lazy_from);
	if (va > end && check_no_raw(s, sp, end, va))
		return -1;
	if (range_has_leaf(&vs->pt, va, size))
		return sim_error(s, "0x%llx: %s", (unsigned long long)va, err_text(PT_EEXIST, buf));
	for (uint64_t off = 0; off < size; off += PT_PAGE_SIZE) {
		pa_t pa;

		err = host_ram_alloc_frame(&s->ram, &pa) ? PT_OK : PT_ENOMEM;
		if (!err) {
			err = pt_map(&vs->pt, va + off, pa, PT_PAGE_SIZE, perms, PT_MAP_4K);
			if (err)
				frame_put(&s->ram.frames, pa);
		}
		if (err) {
			if (off)
				pt_unmap(&vs->pt, va, off, vm_release_leaf, &s->env);
			return sim_error(s, "0x%llx: %s", (unsigned long long)(va + off),
					 err_text(err, buf));
		}
	}
	if (va + size > vs->size)
		vs->size = va + size;
	return 0;
}

int cmd_fork(struct sim *s, const struct args *a)
{
	struct space *parent = sim_space(s);
	enum vm_copy_mode mode = VM_COPY_COW;
	int slot = space_free_slot(s);
	enum pt_err err;
	char buf[128];

	if (a->n == 2) {
		if (!strcmp(a->v[1], "copy"))
			mode = VM_COPY_FULL;
		else if (strcmp(a->v[1], "cow"))
			return sim_error(s, "'%s' is not cow or copy", a->v[1]);
	}
	if (need_user_space(s, parent) || check_frames(s, parent, 0, parent->vs.size))
		return -1;
	if (slot < 0)
		return sim_error(s, "all %d spaces are in use (drop one)", PTSIM_MAX_SPACES);
	if (space_create(s, (unsigned)slot, parent->vs.pt.fmt, SPACE_USER))
		return -1;
	err = vm_copy(&s->spaces[slot].vs, &parent->vs, mode);
	if (err) {
		space_free(s, &s->spaces[slot]);
		return sim_error(s, "%s", err_text(err, buf));
	}
	s->cur = (unsigned)slot;
	return 0;
}

static int parse_space(struct sim *s, const char *text, unsigned *out)
{
	uint64_t n;

	if (parse_num(s, text, "space", &n))
		return -1;
	if (n >= PTSIM_MAX_SPACES || !s->spaces[n].used)
		return sim_error(s, "no space %llu (spaces lists them)", (unsigned long long)n);
	*out = (unsigned)n;
	return 0;
}

int cmd_switch(struct sim *s, const struct args *a)
{
	unsigned n = 0;

	if (parse_space(s, a->v[1], &n))
		return -1;
	s->cur = n;
	return 0;
}

int cmd_drop(struct sim *s, const struct args *a)
{
	unsigned n = 0;

	if (parse_space(s, a->v[1], &n))
		return -1;
	if (n == s->cur)
		return sim_error(s, "space %u is the current one: switch to another first", n);
	space_free(s, &s->spaces[n]);
	return 0;
}

int cmd_spaces(struct sim *s, const struct args *a)
{
	(void)a;
	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++) {
		struct space *sp = &s->spaces[i];
		uint64_t tables = 0, pages = 0;
		struct pt_stats st;

		if (!sp->used)
			continue;
		pt_stats(&sp->vs.pt, &st);
		for (unsigned l = 0; l < PT_MAX_LEVELS; l++) {
			tables += st.tables[l];
			pages += st.leaves[l];
		}
		printf("%c %u  %-11s  ", i == s->cur ? '*' : ' ', i, sp->vs.pt.fmt->name);
		if (sp->kind == SPACE_USER) {
			printf("user memory 0x%llx", (unsigned long long)sp->vs.size);
			if (sp->vs.lazy_from < sp->vs.size)
				printf(" (lazy from 0x%llx)", (unsigned long long)sp->vs.lazy_from);
		} else {
			printf("%s", space_kind_name(sp->kind));
		}
		printf(", %llu pages, %llu tables\n", (unsigned long long)pages,
		       (unsigned long long)tables);
	}
	printf("ram 0x%llx-0x%llx: %u of %u frames free\n", (unsigned long long)s->ram.base,
	       (unsigned long long)(s->ram.base + s->ram.size - 1), host_ram_free_frames(&s->ram),
	       s->ram.frames.nframes);
	return 0;
}

static int copy_fail(struct sim *s, va_t va, uint64_t len, enum pt_err err)
{
	char buf[128];

	return sim_error(s, "[0x%llx, +%llu): %s", (unsigned long long)va, (unsigned long long)len,
			 err_text(err, buf));
}

int cmd_write(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	unsigned char word[8];
	const void *data = a->v[2];
	size_t len = a->len[2];
	uint64_t va, value;
	enum pt_err err;

	if (parse_num(s, a->v[1], "VA", &va))
		return -1;
	if (!a->quoted[2] && ptsim_word_number(a->v[2], &value)) {
		for (unsigned i = 0; i < 8; i++)
			word[i] = (unsigned char)(value >> (8 * i));
		data = word;
		len = 8;
	}
	if (!len)
		return 0;
	if (check_frames(s, sp, va, len))
		return -1;
	err = vm_copyout(&sp->vs, va, data, len);
	return err ? copy_fail(s, va, len, err) : 0;
}

int cmd_read(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	uint64_t va, len;
	unsigned char *buf;
	enum pt_err err;

	if (parse_num(s, a->v[1], "VA", &va) || parse_num(s, a->v[2], "LEN", &len))
		return -1;
	if (len == 0 || len > READ_MAX)
		return sim_error(s, "LEN must be 1 to %u", READ_MAX);
	if (check_frames(s, sp, va, len))
		return -1;
	buf = malloc(len);
	if (!buf)
		return sim_error(s, "out of memory");
	err = vm_copyin(&sp->vs, buf, va, len);
	if (err) {
		free(buf);
		return copy_fail(s, va, len, err);
	}
	for (uint64_t off = 0; off < len; off += 16) {
		uint64_t n = len - off < 16 ? len - off : 16;

		printf("0x%llx:", (unsigned long long)(va + off));
		for (uint64_t i = 0; i < n; i++)
			printf(" %02x", buf[off + i]);
		if (len > 16)
			for (uint64_t i = n; i < 16; i++)
				printf("   ");
		printf("  ");
		for (uint64_t i = 0; i < n; i++)
			putchar(isprint(buf[off + i]) ? buf[off + i] : '.');
		putchar('\n');
	}
	free(buf);
	return 0;
}

int cmd_fault(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	struct vm_stats before = s->env.stats;
	struct pt_leaf old, now;
	unsigned mmu_access, access;
	bool had;
	enum pt_err err;
	uint64_t va;
	pa_t pa;

	if (parse_num(s, a->v[1], "VA", &va) || parse_access(s, a->v[2], &mmu_access, &access))
		return -1;
	if (check_frames(s, sp, va, 1))
		return -1;
	had = pt_query(&sp->vs.pt, va, &old, NULL) == PT_OK;
	err = vm_fault(&sp->vs, va, access);
	if (err) {
		printf("fault: %s\n", pt_errname(err) + 3);
		return 0;
	}
	if (pt_query(&sp->vs.pt, va, &now, &pa) != PT_OK)
		return sim_error(s, "vm_fault succeeded but 0x%llx is not mapped",
				 (unsigned long long)va);
	if (s->env.stats.lazy_allocs != before.lazy_allocs)
		printf("lazy alloc 0x%llx\n", (unsigned long long)now.pa);
	else if (s->env.stats.cow_copies != before.cow_copies)
		printf("cow copy 0x%llx -> 0x%llx\n", (unsigned long long)(had ? old.pa : 0),
		       (unsigned long long)now.pa);
	else if (s->env.stats.cow_reuses != before.cow_reuses)
		printf("cow reuse 0x%llx\n", (unsigned long long)now.pa);
	else
		printf("ok (already allowed)\n");
	return 0;
}
