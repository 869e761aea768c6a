using Conformance.Reference.Memory;

namespace Conformance.Reference.AmdVi;

/// <summary>The page a host (v1) walk found: its base and size and the IR/IW rights AND-ed down the walk.</summary>
public readonly record struct HostTranslation(ulong PageBase, int PageShift, bool Read, bool Write)
{
    public ulong PageMask => PageShift >= 64 ? ulong.MaxValue : (1UL << PageShift) - 1;
}

/// <summary>Why a host walk stopped; each maps to the event it logs.</summary>
public enum HostWalkResult
{
    Ok,
    /// <summary>IO_PAGE_FAULT, PR=0.</summary>
    NotPresent,
    /// <summary>IO_PAGE_FAULT, PR=1 PE=1.</summary>
    PermissionDenied,
    /// <summary>IO_PAGE_FAULT, PR=1 (bad NextLevel, skipped-level address bits, bad page-size encoding; VBox logs these without RZ).</summary>
    InvalidLevel,
    /// <summary>IO_PAGE_FAULT: address above what the DTE's Mode translates.</summary>
    AddressBeyondMode,
    /// <summary>PAGE_TAB_HARDWARE_ERROR: a table read was not backed (master abort).</summary>
    TableReadError,
}

/// <summary>
/// §2.2.3 "I/O Page Tables for Host Translations": walks from the DTE's root with Mode levels. Order per level
/// (VBox iommuAmdWalkIoPageTable, QEMU fetch_pte): the DTE's IR/IW first, then per level fetch
/// (PAGE_TAB_HARDWARE_ERROR), PR, the requested right of this entry (the rights are AND-ed down the walk, so the
/// first entry lacking it ends the walk with PE), then NextLevel validity (below the current level; 7 = page-size
/// encoded leaf; skipped levels need zero address bits). NextLevel 0 maps a page of the level's own size (QEMU
/// PTE_LEVEL_PAGE_SIZE, Linux fetch_pte; VBox assumes 4 KiB there).
/// </summary>
public static class HostPageWalk
{
    public static HostWalkResult Walk(PhysicalMemory memory, ulong root, int mode, ulong address, bool write, bool dteRead, bool dteWrite,
        out HostTranslation result, out ulong failedEntryAddress, out string why)
    {
        result = default;
        failedEntryAddress = 0;
        why = "";
        // 1. The address must fit the Mode's levels (PT_LEVEL_MAX_ADDR): 12 + 9*Mode bits.
        int width = 12 + 9 * mode;
        if (width < 64 && (address >> width) != 0)
        {
            why = $"address 0x{address:x} is beyond the {width}-bit space of DTE Mode {mode}";
            return HostWalkResult.AddressBeyondMode;
        }
        // 2. The DTE's own IR/IW (VBox checks them as the root's permissions before the first fetch).
        if (write ? !dteWrite : !dteRead)
        {
            why = $"the DTE denies {(write ? "write (IW=0)" : "read (IR=0)")}";
            return HostWalkResult.PermissionDenied;
        }
        bool r = dteRead, w = dteWrite;
        ulong table = root;
        int level = mode;
        while (true)
        {
            int shift = 12 + 9 * (level - 1);
            ulong entryAddress = table + ((address >> shift) & 0x1FF) * 8;
            // 2. Fetch the entry; an unbacked table ends in PAGE_TAB_HARDWARE_ERROR (§2.5.6).
            if (!memory.TryReadLe64(entryAddress, out ulong raw))
            {
                failedEntryAddress = entryAddress;
                why = $"level-{level} entry at 0x{entryAddress:x} is not backed";
                return HostWalkResult.TableReadError;
            }
            var e = new IoPageTableEntry(raw);
            // 3. PR=0 ends the walk.
            if (!e.Present)
            {
                why = $"level-{level} entry 0x{raw:x16} at 0x{entryAddress:x} is not present";
                return HostWalkResult.NotPresent;
            }
            // 4. Rights are AND-ed from the DTE through every level; the first entry without the requested right ends the walk.
            r &= e.ReadPermission;
            w &= e.WritePermission;
            if (write ? !w : !r)
            {
                failedEntryAddress = entryAddress;
                why = $"level-{level} entry 0x{raw:x16} at 0x{entryAddress:x} denies {(write ? "write (IW=0)" : "read (IR=0)")}";
                return HostWalkResult.PermissionDenied;
            }
            int next = e.NextLevel;
            int pageShift;
            if (next == 0)
            {
                // 5a. NextLevel 0: a page of this level's default size (4 KiB, 2 MiB, 1 GiB, ...).
                pageShift = shift;
            }
            else if (next == 7)
            {
                // 5b. NextLevel 7: a page whose size is encoded in the address; larger than this level's default, smaller than the next one's.
                pageShift = e.EncodedPageShift;
                if (pageShift <= shift || pageShift >= shift + 9 || pageShift >= 64)
                {
                    why = $"level-{level} entry 0x{raw:x16} encodes a 2^{pageShift} page, not between this level's 2^{shift} and 2^{shift + 9}";
                    return HostWalkResult.InvalidLevel;
                }
            }
            else
            {
                // 5c. A directory: NextLevel must be below this level; the address bits of skipped levels must be zero.
                if (next >= level)
                {
                    why = $"level-{level} entry 0x{raw:x16} has NextLevel {next}, not below its own level";
                    return HostWalkResult.InvalidLevel;
                }
                int skipLow = 12 + 9 * next, skipHigh = shift;
                ulong skipped = (address >> skipLow) & ((1UL << (skipHigh - skipLow)) - 1);
                if (skipped != 0)
                {
                    why = $"level-{level} entry skips to level {next} but address bits {skipHigh - 1}:{skipLow} are 0x{skipped:x}, not zero";
                    return HostWalkResult.InvalidLevel;
                }
                table = e.Address;
                level = next;
                continue;
            }
            // 6. The leaf.
            ulong mask = (1UL << pageShift) - 1;
            result = new HostTranslation(e.Address & ~mask, pageShift, r, w);
            return HostWalkResult.Ok;
        }
    }
}
