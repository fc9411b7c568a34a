//! The module's allocator: power-of-two size classes, each with a free list, over memory
//! grown page by page. Freed blocks are reused by later allocations of the same class (a
//! replaced token's buffer is reused by the next token), blocks are never split or merged.
//! Single-threaded (wasm32 without threads). About 300 bytes of code instead of dlmalloc's ~10 KB.

use core::alloc::{GlobalAlloc, Layout};

struct FreeLists;

/// Heads of the free lists, by class (block size `1 << class`); 0 is an empty list.
static mut FREE: [usize; 32] = [0; 32];
/// The bump region: next free byte and its end.
static mut NEXT: usize = 0;
static mut END: usize = 0;

const PAGE: usize = 65_536;

/// The class of a request: the smallest power of two ≥ size and ≥ align, at least 8 bytes.
fn class(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(8);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

fn grow(bytes: usize) -> Option<usize> {
    let pages = bytes.div_ceil(PAGE);
    let old = core::arch::wasm32::memory_grow(0, pages);
    (old != usize::MAX).then_some(old * PAGE)
}

unsafe impl GlobalAlloc for FreeLists {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let c = class(&layout);
        if c >= 31 {
            return core::ptr::null_mut();
        }
        let free = &mut *core::ptr::addr_of_mut!(FREE);
        let head = free[c];
        if head != 0 {
            free[c] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 1usize << c;
        // Blocks are aligned to their size, up to 16 bytes (no type here needs more).
        let align = size.min(16).max(layout.align());
        let (next, end) = (&mut *core::ptr::addr_of_mut!(NEXT), &mut *core::ptr::addr_of_mut!(END));
        let mut start = (*next + align - 1) & !(align - 1);
        if start + size > *end {
            let Some(base) = grow(size + align) else { return core::ptr::null_mut() };
            if base != *end {
                *next = base;
            }
            *end = base + (size + align).div_ceil(PAGE) * PAGE;
            start = (*next + align - 1) & !(align - 1);
        }
        *next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let c = class(&layout);
        let free = &mut *core::ptr::addr_of_mut!(FREE);
        *(ptr as *mut usize) = free[c];
        free[c] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(&new) == class(&layout) {
            return ptr;
        }
        let p = self.alloc(new);
        if !p.is_null() {
            core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: FreeLists = FreeLists;
