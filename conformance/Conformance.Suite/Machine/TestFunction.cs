using Conformance.Reference.Bus;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Suite.Machine;

/// <summary>
/// The suite's DMA test function: a PCI endpoint whose DMA engine and MSI-X the suite drives directly (the
/// simulated device obeys whoever programmed it; the suite plays the guest's driver). BARs decode to a scratch
/// register file, except the MSI-X table and PBA (PCI Local Bus 3.0 §6.8.2: 16-byte entries of message address,
/// upper address, data, vector control with bit 0 = masked; every entry masked after reset).
/// Kept small until the reference PCI model's DMA test device is merged.
/// </summary>
public sealed class TestFunction
{
    private readonly Reference.Platform.Machine _machine;
    private readonly Dictionary<(int Bar, ulong Offset), ulong> _registers = new();
    private readonly uint[] _msix;
    private readonly bool[] _pending;

    public TestFunction(Reference.Platform.Machine machine, Bdf bdf, IReadOnlyList<(BarSpec Spec, ulong Base)> bars, MsixSpec? msix, int dmaMaskBits)
    {
        _machine = machine;
        Bdf = bdf;
        Bars = bars;
        Msix = msix;
        DmaMaskBits = dmaMaskBits;
        _msix = new uint[(msix?.Vectors ?? 0) * 4];
        _pending = new bool[msix?.Vectors ?? 0];
        Reset();
        foreach (var (spec, b) in bars) machine.Mmio.Map(b, spec.Size, new BarDecoder(this, spec.Index), $"{bdf} BAR{spec.Index}");
    }

    public Bdf Bdf { get; }
    public IReadOnlyList<(BarSpec Spec, ulong Base)> Bars { get; }
    public MsixSpec? Msix { get; }
    public int DmaMaskBits { get; }

    /// <summary>Function-level or bus resets this function has seen.</summary>
    public int Resets { get; private set; }

    /// <summary>The function's registers go back to their reset values: MSI-X entries zero and masked, scratch cleared.</summary>
    public void Reset()
    {
        Array.Clear(_msix);
        for (int i = 0; i < _pending.Length; i++) { _msix[i * 4 + 3] = 1; _pending[i] = false; }
        _registers.Clear();
        Resets++;
    }

    /// <summary>Resets that count (the constructor's power-on reset does not).</summary>
    public int ResetsSincePowerOn => Resets - 1;

    public DmaOutcome DmaWrite(ulong busAddress, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        return _machine.Dma(Bdf, busAddress, copy, DmaDirection.Write);
    }

    public DmaOutcome DmaRead(ulong busAddress, Span<byte> into) => _machine.Dma(Bdf, busAddress, into, DmaDirection.Read);

    /// <summary>Signals MSI-X entry <paramref name="index"/>: sends the entry's message, or sets its pending bit if masked.</summary>
    public InterruptOutcome? RaiseVector(int index)
    {
        if (index < 0 || index >= _pending.Length) throw new ArgumentOutOfRangeException(nameof(index));
        if ((_msix[index * 4 + 3] & 1) != 0) { _pending[index] = true; return null; }
        ulong address = _msix[index * 4] | ((ulong)_msix[index * 4 + 1] << 32);
        return _machine.Msi(Bdf, address, _msix[index * 4 + 2]);
    }

    public (ulong Address, uint Data, bool Masked) MsixEntry(int index) =>
        (_msix[index * 4] | ((ulong)_msix[index * 4 + 1] << 32), _msix[index * 4 + 2], (_msix[index * 4 + 3] & 1) != 0);

    private bool InTable(int bar, ulong offset, out int word)
    {
        word = -1;
        if (Msix is null || bar != Msix.TableBar) return false;
        ulong start = Msix.TableOffset, end = start + (ulong)Msix.Vectors * 16;
        if (offset < start || offset >= end) return false;
        word = (int)((offset - start) / 4);
        return true;
    }

    private bool InPba(int bar, ulong offset) =>
        Msix is not null && bar == Msix.PbaBar && offset >= Msix.PbaOffset && offset < Msix.PbaOffset + (ulong)((Msix.Vectors + 63) / 64 * 8);

    private ulong Read(int bar, ulong offset, int width)
    {
        if (InTable(bar, offset, out int word))
        {
            ulong v = _msix[word];
            if (width == 8 && word + 1 < _msix.Length) v |= (ulong)_msix[word + 1] << 32;
            return v;
        }
        if (InPba(bar, offset))
        {
            ulong bits = 0;
            int first = (int)((offset - Msix!.PbaOffset) * 8);
            for (int i = 0; i < width * 8 && first + i < _pending.Length; i++) if (_pending[first + i]) bits |= 1UL << i;
            return bits;
        }
        return _registers.TryGetValue((bar, offset), out var r) ? r : 0;
    }

    private void Write(int bar, ulong offset, int width, ulong value)
    {
        if (InTable(bar, offset, out int word))
        {
            _msix[word] = (uint)value;
            if (width == 8 && word + 1 < _msix.Length) _msix[word + 1] = (uint)(value >> 32);
            // Unmasking an entry with its pending bit set sends the message (PCI 3.0 §6.8.2.9).
            int entry = word / 4;
            if ((_msix[entry * 4 + 3] & 1) == 0 && _pending[entry]) { _pending[entry] = false; RaiseVector(entry); }
            return;
        }
        if (InPba(bar, offset)) return; // read-only
        _registers[(bar, offset)] = value;
    }

    /// <summary>Scratch register value written through a BAR (0 when never written).</summary>
    public ulong Register(int bar, ulong offset) => _registers.TryGetValue((bar, offset), out var r) ? r : 0;

    private sealed class BarDecoder(TestFunction f, int bar) : IMmioRegion
    {
        public int Bar => bar;
        public TestFunction Function => f;
        public ulong Read(ulong offset, int width) => f.Read(bar, offset, width);
        public void Write(ulong offset, int width, ulong value) => f.Write(bar, offset, width, value);
    }

    /// <summary>The function whose BAR decodes this MMIO region, if it is one of ours.</summary>
    public static (TestFunction Function, int Bar)? Owner(IMmioRegion region) =>
        region is BarDecoder d ? (d.Function, d.Bar) : null;
}
