/*
 * xv6's memory as vmkit sees it, shared by both drop-ins: page-table pages and user pages come
 * from kalloc and go back to kfree, and a physical address is reached through the including
 * layer's XV6_P2V / XV6_V2P (the identity on RISC-V, P2V/V2P on x86). xv6 never shares a user
 * page, so there is no `get` and every frame has one reference.
 *
 * Not a header of its own: scripts/amalgamate.sh pastes it into the layer where it is included.
 */

static void *xv6_ptr(void *ctx, pa_t pa)
{
	(void)ctx;
	return XV6_P2V(pa);
}

static enum pt_err xv6_table_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	void *page = kalloc();

	(void)ctx;
	(void)bytes;
	if (page == 0)
		return PT_ENOMEM;
	memset(page, 0, PGSIZE);
	*pa = XV6_V2P(page);
	return PT_OK;
}

static void xv6_table_free(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	(void)bytes;
	kfree(XV6_P2V(pa));
}

static bool xv6_frame_alloc(void *ctx, pa_t *pa)
{
	void *page = kalloc();

	(void)ctx;
	*pa = page ? XV6_V2P(page) : 0;
	return page != 0;
}

static void xv6_frame_put(void *ctx, pa_t pa)
{
	(void)ctx;
	kfree(XV6_P2V(pa));
}

static uint32_t xv6_frame_refs(void *ctx, pa_t pa)
{
	(void)ctx;
	(void)pa;
	return 1;
}

static const struct vm_env xv6_env = {
	{xv6_ptr, xv6_table_alloc, xv6_table_free, 0, 0},
	{xv6_frame_alloc, 0, xv6_frame_put, xv6_frame_refs, 0},
	{0, 0, 0, 0, 0},
};
