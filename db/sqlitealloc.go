package db

import (
	"sync"

	"modernc.org/libc"
)

// modernc.org/sqlite allocates SQLite's memory with modernc.org/libc's
// malloc (modernc.org/memory), which carves each size class (16 bytes to
// 16 KiB, powers of two) out of 64 KiB pages it maps, and unmaps a page as
// soon as its last slot is freed. A decision's statements allocate and
// free the same sizes over and over (their programs, the chunks of their
// statement journal, the pages of a sort's temporary b-tree), so the same
// pages were mapped and unmapped at every statement: munmap was 16% of the
// CPU of a 1,000-message backlog. pinSQLiteAllocator keeps a few pages of
// each class mapped for the life of the process by keeping one slot of
// each: their other slots are reused without a system call.

// pinnedPages is how many 64 KiB pages of each size class stay mapped:
// 11 classes × 4 × 64 KiB = 2.75 MiB, a statement journal of 120 pages'
// worth of chunks.
const pinnedPages = 4

// pageCacheClass is the size class of the page cache's slots: a 4 KiB
// database page with its headers (about 4.4 KiB) takes an 8 KiB slot, 8
// to an allocator page. The page cache (SQLite's default cache_size, 2
// MiB, about 470 pages) drops the pages a rolled-back or invalidated
// transaction had read and reads them again at the next, so with only
// pinnedPages kept, a transaction that touches a few hundred pages (a
// 52-date series: its bookings, versions and their indexes) mapped and
// unmapped dozens of allocator pages. pageCachePinned keeps a whole
// cache's worth mapped (4 MiB of address space; memory is used only
// where a slot was written).
const (
	pageCacheClass  = 8 << 10
	pageCachePinned = 64
)

// pinnedPagesOf is how many allocator pages of size class size stay mapped.
func pinnedPagesOf(size int) int {
	if size == pageCacheClass {
		return pageCachePinned
	}
	return pinnedPages
}

// allocatorPage is modernc.org/memory's page: a slot's page is its
// address rounded down to it.
const allocatorPage = 64 << 10

var pinOnce sync.Once

// pinSQLiteAllocator runs once, before the first SQLite connection.
func pinSQLiteAllocator() {
	pinOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		for size := 16; size <= 16<<10; size <<= 1 {
			pinClass(tls, size, pinnedPagesOf(size))
		}
	})
}

// pinClass allocates the slots of pinnedPages pages of one size class,
// then frees all but one slot in each page. An allocation that fails only
// loses the gain.
func pinClass(tls *libc.TLS, size, pinnedPages int) {
	kept := map[uintptr]bool{}
	var free []uintptr
	for n := 0; n < pinnedPages*allocatorPage/size; n++ {
		p := libc.Xmalloc(tls, libc.Tsize_t(size))
		if p == 0 {
			break
		}
		if pg := p &^ (allocatorPage - 1); !kept[pg] && len(kept) < pinnedPages {
			kept[pg] = true
			continue
		}
		free = append(free, p)
	}
	for _, p := range free {
		libc.Xfree(tls, p)
	}
}
