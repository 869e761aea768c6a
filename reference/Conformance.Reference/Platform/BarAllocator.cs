using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Interrupts;

namespace Conformance.Reference.Platform;

/// <summary>
/// Assigns BAR bases the topology left out and opens bridge windows over their children, as firmware/Linux
/// resource assignment does (naturally aligned BARs; bridge memory windows at 1 MiB, I/O windows at 4 KiB
/// granularity, PCI-to-PCI Bridge Architecture 1.2 §3.2.5). Each bridge's subtree is placed contiguously so sibling
/// windows never overlap; BARs with explicit bases, declared memory and the x86 interrupt window are skipped over.
/// 64-bit prefetchable BARs go in the 64-bit range (behind bridges: the prefetchable window); all other memory BARs in
/// the 32-bit range (the non-prefetchable window, which has only 32 address bits).
/// </summary>
internal sealed class BarAllocator
{
    private const ulong MiB = 1UL << 20;
    private readonly Machine _machine;
    private readonly List<(ulong Start, ulong End)> _reserved = []; // inclusive
    private readonly ulong _limit32, _limit64;
    private ulong _cursor32, _cursor64, _cursorIo = PlatformBuilder.DefaultIoBase;

    public BarAllocator(Machine machine, IEnumerable<MemoryRegion> memory, ulong base32, ulong limit32, ulong base64, ulong limit64)
    {
        _machine = machine;
        (_cursor32, _limit32, _cursor64, _limit64) = (base32, limit32, base64, limit64);
        foreach (var m in memory) if (m.Size > 0) _reserved.Add((m.Base, m.Base + m.Size - 1));
        _reserved.Add((X86MsiMessage.InterruptWindowBase, X86MsiMessage.InterruptWindowBase + X86MsiMessage.InterruptWindowSize - 1));
        foreach (var f in machine.Pci.Functions)
        {
            foreach (var b in f.Spec.Bars)
            {
                if (b.Base is { } at) _reserved.Add((at, at + b.Size - 1));
            }
        }
    }

    public void AssignAll()
    {
        foreach (var segment in _machine.Pci.Segments)
        {
            var functions = segment.Functions.ToList();
            var parent = functions.ToDictionary(f => f, f => ParentOf(f, functions));
            AssignLevel(functions.Where(f => parent[f] is null).ToList(), functions, parent);
            foreach (var bridge in functions.OfType<PciBridge>()) OpenWindows(bridge, functions);
        }
    }

    /// <summary>The nearest bridge (narrowest bus range) whose secondary..subordinate range holds the function's bus.</summary>
    private static PciBridge? ParentOf(PciFunction f, List<PciFunction> all) =>
        all.OfType<PciBridge>()
            .Where(b => b.Bdf.Bus < f.Bdf.Bus && b.Spec.Secondary <= f.Bdf.Bus && f.Bdf.Bus <= b.Spec.Subordinate)
            .OrderBy(b => b.Spec.Subordinate - b.Spec.Secondary).ThenByDescending(b => b.Spec.Secondary)
            .FirstOrDefault();

    private void AssignLevel(List<PciFunction> level, List<PciFunction> all, Dictionary<PciFunction, PciBridge?> parent)
    {
        // BARs of the functions on this bus, largest first (least alignment waste).
        var bars = level.SelectMany(f => f.Bars.Where(b => f.Spec.Bars.First(s => s.Index == b.Index).Base is null).Select(b => (f, b)))
            .OrderByDescending(x => x.b.Size).ThenBy(x => x.f.Bdf).ThenBy(x => x.b.Index);
        foreach (var (f, b) in bars) f.ProgramBar(b.Index, Place(b));
        foreach (var bridge in level.OfType<PciBridge>())
        {
            AlignCursors();
            AssignLevel(all.Where(f => parent[f] == bridge).ToList(), all, parent);
            AlignCursors();
        }
    }

    private void AlignCursors()
    {
        _cursor32 = AlignUp(_cursor32, MiB);
        _cursor64 = AlignUp(_cursor64, MiB);
        _cursorIo = AlignUp(_cursorIo, 0x1000);
    }

    private ulong Place(BaseAddressRegister bar)
    {
        if (bar.IsIo) return Take(ref _cursorIo, PlatformBuilder.DefaultIoLimit, bar, checkReserved: false);
        return bar.Is64 && bar.Prefetchable
            ? Take(ref _cursor64, _limit64, bar, checkReserved: true)
            : Take(ref _cursor32, _limit32, bar, checkReserved: true);
    }

    private ulong Take(ref ulong cursor, ulong limit, BaseAddressRegister bar, bool checkReserved)
    {
        ulong at = AlignUp(cursor, bar.Size);
        for (bool moved = true; moved && checkReserved;)
        {
            moved = false;
            foreach (var (start, end) in _reserved)
            {
                if (at <= end && start <= at + bar.Size - 1) { at = AlignUp(end + 1, bar.Size); moved = true; }
            }
        }
        if (at + bar.Size - 1 > limit || at + bar.Size < at)
            throw new InvalidOperationException($"no room for a 0x{bar.Size:x}-byte {bar.Kind} BAR below 0x{limit:x}: widen the window");
        cursor = at + bar.Size;
        return at;
    }

    /// <summary>Opens the bridge's windows over every BAR below it (live bases), or closes them when there is none.</summary>
    private static void OpenWindows(PciBridge bridge, List<PciFunction> all)
    {
        ulong memLo = ulong.MaxValue, memHi = 0, prefLo = ulong.MaxValue, prefHi = 0, ioLo = ulong.MaxValue, ioHi = 0;
        foreach (var f in all.Where(f => f.Bdf.Bus > bridge.Bdf.Bus && bridge.Spec.Secondary <= f.Bdf.Bus && f.Bdf.Bus <= bridge.Spec.Subordinate))
        {
            foreach (var b in f.Bars)
            {
                ulong start = b.LiveBase(f.Config), end = start + b.Size - 1;
                if (b.IsIo) { ioLo = Math.Min(ioLo, start); ioHi = Math.Max(ioHi, end); }
                else if (b.Is64 && b.Prefetchable) { prefLo = Math.Min(prefLo, start); prefHi = Math.Max(prefHi, end); }
                else if (end <= 0xFFFF_FFFF) { memLo = Math.Min(memLo, start); memHi = Math.Max(memHi, end); }
            }
        }
        bridge.ProgramMemoryWindow(AlignDown(memLo, MiB), AlignUp(memHi + 1, MiB) - 1);
        bridge.ProgramPrefetchableWindow(AlignDown(prefLo, MiB), AlignUp(prefHi + 1, MiB) - 1);
        bridge.ProgramIoWindow(AlignDown(ioLo, 0x1000), AlignUp(ioHi + 1, 0x1000) - 1);
    }

    private static ulong AlignUp(ulong v, ulong a) => (v + a - 1) & ~(a - 1);
    private static ulong AlignDown(ulong v, ulong a) => v & ~(a - 1);
}
