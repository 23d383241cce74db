/* The software MMU (lib/mmu): cpu sets its state, translate runs one access through it. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "ptsim.h"

void cpu_defaults(struct cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->priv = MMU_PRIV_S;
	c->wp = true;   /* xv6-x86 and Linux run with CR0.WP=1 */
	c->nxe = true;  /* the engine sets XD on PAE and 4-/5-level pages that are not executable */
	c->pse = true;  /* x86-32 is described with 4 MiB pages */
	c->model = MMU_MODEL_SPEC;
}

static const char *priv_name(unsigned priv)
{
	return priv == MMU_PRIV_U ? "u" : priv == MMU_PRIV_M ? "m" : "s";
}

static void cpu_print(const struct cpu *c)
{
	printf("priv=%s sum=%d mxr=%d ad=%s wp=%d nxe=%d smep=%d smap=%d ac=%d pse=%d asid=%u "
	       "model=%s\n",
	       priv_name(c->priv), c->sum, c->mxr, c->svade ? "fault" : "update", c->wp, c->nxe,
	       c->smep, c->smap, c->ac, c->pse, c->asid, c->model == MMU_MODEL_SPEC ? "spec" : "qemu");
}

static int set_bool(struct sim *s, const char *key, const char *val, bool *out)
{
	if (!strcmp(val, "0") || !strcmp(val, "1")) {
		*out = val[0] == '1';
		return 0;
	}
	return sim_error(s, "%s=%s: the value is 0 or 1", key, val);
}

int cmd_cpu(struct sim *s, const struct args *a)
{
	static const struct {
		const char *key;
		size_t offset;
	} bools[] = {
		{"sum", offsetof(struct cpu, sum)},   {"mxr", offsetof(struct cpu, mxr)},
		{"wp", offsetof(struct cpu, wp)},     {"nxe", offsetof(struct cpu, nxe)},
		{"smep", offsetof(struct cpu, smep)}, {"smap", offsetof(struct cpu, smap)},
		{"ac", offsetof(struct cpu, ac)},     {"pse", offsetof(struct cpu, pse)},
	};
	struct cpu c = s->cpu;

	if (a->n == 1) {
		cpu_print(&s->cpu);
		return 0;
	}
	/* All or nothing: one bad setting changes nothing. */
	for (int i = 1; i < a->n; i++) {
		char key[16];
		const char *eq = strchr(a->v[i], '='), *val;
		size_t klen;
		bool done = false;

		if (!eq || eq == a->v[i] || (klen = (size_t)(eq - a->v[i])) >= sizeof(key))
			return sim_error(s, "'%s' is not KEY=VALUE", a->v[i]);
		memcpy(key, a->v[i], klen);
		key[klen] = 0;
		val = eq + 1;
		for (size_t k = 0; k < sizeof(bools) / sizeof(bools[0]); k++) {
			if (strcmp(key, bools[k].key))
				continue;
			if (set_bool(s, key, val, (bool *)((char *)&c + bools[k].offset)))
				return -1;
			done = true;
		}
		if (done)
			continue;
		if (!strcmp(key, "priv")) {
			if (!strcmp(val, "u"))
				c.priv = MMU_PRIV_U;
			else if (!strcmp(val, "s"))
				c.priv = MMU_PRIV_S;
			else if (!strcmp(val, "m"))
				c.priv = MMU_PRIV_M;
			else
				return sim_error(s, "priv=%s: the value is u, s or m", val);
		} else if (!strcmp(key, "ad")) {
			if (!strcmp(val, "update"))
				c.svade = false;
			else if (!strcmp(val, "fault"))
				c.svade = true;
			else
				return sim_error(s, "ad=%s: the value is update or fault", val);
		} else if (!strcmp(key, "model")) {
			if (!strcmp(val, "spec"))
				c.model = MMU_MODEL_SPEC;
			else if (!strcmp(val, "qemu"))
				c.model = MMU_MODEL_QEMU72;
			else
				return sim_error(s, "model=%s: the value is spec or qemu", val);
		} else if (!strcmp(key, "asid")) {
			uint64_t n;

			if (parse_num(s, val, "asid", &n))
				return -1;
			if (n > 0xffff)
				return sim_error(s, "asid=%s: at most 0xffff", val);
			c.asid = (uint32_t)n;
		} else {
			return sim_error(s, "unknown key '%s' (priv sum mxr ad wp nxe smep smap ac pse "
					    "asid model)", key);
		}
	}
	s->cpu = c;
	return 0;
}

static const char *riscv_cause_name(unsigned cause)
{
	switch (cause) {
	case MMU_CAUSE_FETCH_ACCESS:
		return "instruction-access-fault";
	case MMU_CAUSE_LOAD_ACCESS:
		return "load-access-fault";
	case MMU_CAUSE_STORE_ACCESS:
		return "store-access-fault";
	case MMU_CAUSE_FETCH_PAGE:
		return "instruction-page-fault";
	case MMU_CAUSE_LOAD_PAGE:
		return "load-page-fault";
	case MMU_CAUSE_STORE_PAGE:
		return "store-page-fault";
	}
	return "exception";
}

int cmd_translate(struct sim *s, const struct args *a)
{
	const struct pt *pt = &sim_space(s)->vs.pt;
	const struct pt_format *f = pt->fmt;
	bool riscv = !strcmp(f->arch, "riscv");
	const struct cpu *c = &s->cpu;
	unsigned access, vm_access;
	struct mmu_result res;
	enum mmu_status st;
	struct mmu m;
	uint64_t va;

	if (parse_num(s, a->v[1], "VA", &va) || parse_access(s, a->v[2], &access, &vm_access))
		return -1;
	if (f->va_bits == 32 && (va >> 32))
		return sim_error(s, "0x%llx: %s addresses have 32 bits", (unsigned long long)va,
				 f->name);
	mmu_init(&m, riscv ? MMU_ARCH_RISCV : MMU_ARCH_X86, c->model, &pt->mem);
	if (riscv) {
		m.rv.xlen = f->va_bits == 32 ? 32 : 64;
		m.rv.svade = c->svade;
		m.rv.priv = c->priv;
		m.rv.mstatus = (c->sum ? MMU_MSTATUS_SUM : 0) | (c->mxr ? MMU_MSTATUS_MXR : 0);
	} else {
		if (c->priv == MMU_PRIV_M)
			return sim_error(s, "priv=m is RISC-V's machine mode; x86 has u (CPL 3) and "
					    "s (CPL 0)");
		m.x86.cpl = c->priv == MMU_PRIV_U ? 3 : 0;
		m.x86.cr0 = c->wp ? MMU_CR0_WP : 0;
		m.x86.cr4 = (c->pse ? MMU_CR4_PSE : 0) | (c->smep ? MMU_CR4_SMEP : 0) |
			    (c->smap ? MMU_CR4_SMAP : 0);
		m.x86.efer = c->nxe ? MMU_EFER_NXE : 0;
		m.x86.eflags = c->ac ? MMU_EFLAGS_AC : 0;
	}
	if (mmu_set_table(&m, f, pt->root, c->asid) != MMU_OK)
		return sim_error(s, "the MMU refused this table (a #GP when loading %s)",
				 riscv ? "satp" : "CR3 and the PDPTEs");
	st = mmu_translate(&m, va, access, &res);
	if (st == MMU_OK)
		printf("pa 0x%llx\n", (unsigned long long)res.pa);
	else if (riscv)
		printf("fault %s cause=%u tval=0x%llx\n", riscv_cause_name(res.cause), res.cause,
		       (unsigned long long)res.tval);
	else if (st == MMU_GP_FAULT)
		printf("fault #GP\n");
	else
		printf("fault #PF err=0x%x cr2=0x%llx\n", res.error_code,
		       (unsigned long long)res.tval);
	return 0;
}
