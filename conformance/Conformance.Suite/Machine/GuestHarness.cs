using Conformance.Adapters;
using Conformance.Adapters.GuestDma;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Suite.Machine;

/// <summary>
/// The suite playing one guest: its CPU (loads and stores through the CPU map the adapter programmed, exits to the
/// adapter elsewhere), its driver's buffers, its guest DMA API, and the interrupt routes the VMM configured for it.
/// </summary>
public sealed class GuestHarness
{
    private readonly Scenario _scenario;
    private ulong _nextBuffer = 0x10_000;
    private readonly HashSet<(uint, int)> _configured = [];

    public GuestHarness(Scenario scenario, IGuest guest)
    {
        _scenario = scenario;
        Guest = guest;
        Dma = GuestDmaApi.For(guest);
    }

    public IGuest Guest { get; }
    public IGuestDmaApi Dma { get; }
    public string Name => Guest.Name;

    /// <summary>(vCPU, vector) pairs the VMM routed this guest's devices to.</summary>
    public IReadOnlySet<(uint Vcpu, int Vector)> ConfiguredVectors => _configured;

    public void AddConfigured(GuestVector v) => _configured.Add((v.Vcpu, v.Vector));

    /// <summary>A page-aligned buffer in guest memory (a driver's allocation), never reused.</summary>
    public ulong AllocateBuffer(ulong size)
    {
        ulong gpa = _nextBuffer;
        _nextBuffer += (size + 0xfff) & ~0xfffUL;
        if (_nextBuffer > Guest.Config.MemorySize) throw new InvalidOperationException("the guest ran out of buffer space");
        return gpa;
    }

    /// <summary>A guest CPU store of bytes to guest-physical memory. False when the CPU map has nothing there.</summary>
    public bool Write(ulong gpa, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length;)
        {
            ulong a = gpa + (ulong)i;
            int n = (int)Math.Min((ulong)(data.Length - i), 0x1000 - (a & 0xfff));
            if (Guest.CpuMap.Lookup(a) is not { Kind: CpuMapKind.Ram } e) return false;
            _scenario.Memory.TryWrite(e.HostPhysical + (a & 0xfff), data.Slice(i, n));
            i += n;
        }
        return true;
    }

    public byte[]? Read(ulong gpa, int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length;)
        {
            ulong a = gpa + (ulong)i;
            int n = (int)Math.Min((ulong)(length - i), 0x1000 - (a & 0xfff));
            if (Guest.CpuMap.Lookup(a) is not { Kind: CpuMapKind.Ram } e) return null;
            _scenario.Memory.TryRead(e.HostPhysical + (a & 0xfff), data.AsSpan(i, n));
            i += n;
        }
        return data;
    }

    /// <summary>A guest CPU MMIO store: straight to the device if the page is mapped, else an exit to the adapter.</summary>
    public Result MmioWrite(ulong gpa, int width, ulong value)
    {
        if (Guest.CpuMap.Lookup(gpa) is { Kind: CpuMapKind.Mmio } e)
        {
            _scenario.Machine.CpuWrite(e.HostPhysical + (gpa & 0xfff), width, value);
            return Result.Ok;
        }
        return Guest.HandleMmioExit(gpa, width, true, ref value);
    }

    public Result<ulong> MmioRead(ulong gpa, int width)
    {
        if (Guest.CpuMap.Lookup(gpa) is { Kind: CpuMapKind.Mmio } e) return _scenario.Machine.CpuRead(e.HostPhysical + (gpa & 0xfff), width);
        ulong v = 0;
        var r = Guest.HandleMmioExit(gpa, width, false, ref v);
        return r.IsOk ? v : r.Error;
    }

    /// <summary>Host physical pages of this guest's RAM (from its CPU map).</summary>
    public IEnumerable<ulong> RamFrames => Guest.CpuMap.Entries.Where(e => e.Kind == CpuMapKind.Ram).Select(e => e.HostPhysical);

    public TestFunction Device(Bdf bdf) => _scenario.Function(bdf);
}
