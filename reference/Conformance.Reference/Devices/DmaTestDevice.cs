using System.Buffers.Binary;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Devices;

/// <summary>What the last DMA of a <see cref="DmaTestDevice"/> ended in, as its STATUS register reports it.</summary>
public enum DmaTestOutcomeCode
{
    None = 0,
    Ok = 1,
    Fault = 2,
    Frozen = 3,
    Abort = 4,
    Interrupt = 5,
}

/// <summary>
/// A PCI DMA test device in the spirit of QEMU's <c>edu</c> and <c>pci-testdev</c>: a DMA engine that copies between
/// its 64 KiB of device-local memory and bus addresses, and raises MSI-X vectors. All its DMA goes through
/// <see cref="Machine.Dma"/> (DMA aliasing, then the platform's IOMMU/PHB) and all its interrupts through
/// <see cref="Machine.Msi"/>; it issues nothing while Bus Master Enable is clear. DMA completes synchronously
/// on the COMMAND write. Register map of the register BAR (BAR0 in the default layout; docs/dma-test-device.md):
/// <code>
/// 0x00 ID          RO  0x31544D44 ("DMT1")
/// 0x04 INFO        RO  bits 7:0 DMA address width (dma_mask_bits), bits 31:16 local memory size in KiB
/// 0x08 STATUS      RO  bit 0 busy (always 0: DMA is synchronous), bit 1 error (last DMA not Ok),
///                      bits 7:4 outcome of the last DMA (0 none, 1 ok, 2 fault, 3 frozen, 4 abort, 5 interrupt),
///                      bits 31:16 fault reason code of the last DMA (e.g. the VT-d fault reason)
/// 0x0C DONE        RO  bytes moved by the last DMA
/// 0x10 DMA_ADDR    RW  bus address, low 32 bits   } 64-bit; only the low dma_mask_bits bits are kept:
/// 0x14 DMA_ADDR_HI RW  bus address, high 32 bits  } the device has no wires for the others
/// 0x18 LOCAL       RW  offset in local memory (kept modulo its size)
/// 0x1C LENGTH      RW  bytes to move (clamped to what fits in local memory from LOCAL)
/// 0x20 COMMAND     RW  bits 1:0: 1 = start read (bus -> local), 2 = start write (local -> bus);
///                      bit 8: raise MSI-X vector (bits 26:16) on completion. Writing 1 or 2 runs the DMA.
/// 0x24 DOORBELL    WO  writing N raises vector N (MSI-X, or MSI when only MSI is enabled); reads the last outcome (0 sent, 1 pending,
///                      2 MSI-X disabled, 3 bus master disabled, 4 no such vector)
/// 0x28 FAULT_ADDR  RO  bus address at which the last DMA stopped, low 32 bits
/// 0x2C FAULT_ADDR_HI RO high 32 bits
/// 0x30 SCRATCH     RW  32 bits, no effect
/// 0x10000-0x1FFFF  local memory (when the register BAR is at least 128 KiB)
/// </code>
/// Optionally (<see cref="PlatformBuilder.WithTestDeviceMsi"/>) the device also has an MSI capability (64-bit,
/// per-vector masking, 4 vectors), linked last in the capability list and used when MSI-X is not enabled.
/// The MSI-X table and PBA live where the topology's <c>msix</c> puts them (default: the register BAR at 0x2000 and
/// 0x3000, 8 vectors) and take precedence over registers they overlap. Every other memory BAR smaller than 4 KiB
/// (default: BAR2, 256 bytes — a sub-page BAR) mirrors registers 0x00-0xFF.
/// </summary>
public sealed class DmaTestDevice : PciFunction
{
    public const uint Identification = 0x3154_4D44;
    public const int LocalMemorySize = 64 * 1024;
    public const ulong LocalMemoryOffset = 0x1_0000;

    public const int RegId = 0x00, RegInfo = 0x04, RegStatus = 0x08, RegDone = 0x0C, RegDmaAddr = 0x10, RegDmaAddrHi = 0x14,
        RegLocal = 0x18, RegLength = 0x1C, RegCommand = 0x20, RegDoorbell = 0x24, RegFaultAddr = 0x28, RegFaultAddrHi = 0x2C,
        RegScratch = 0x30;

    public const uint CommandRead = 1, CommandWrite = 2, CommandRaiseOnCompletion = 0x100;

    private readonly byte[] _local = new byte[LocalMemorySize];
    private ulong _dmaAddress;
    private uint _localOffset, _length, _command, _scratch, _doorbellOutcome;

    /// <summary>MSI vectors the device asks for (Multiple Message Capable) when it has an MSI capability.</summary>
    public const int MsiVectors = 4;

    /// <param name="spec">The function as the topology describes it (default layout when it has neither BARs nor MSI-X).</param>
    /// <param name="multifunction">Header type bit 7.</param>
    /// <param name="withMsi">Also give the device an MSI capability (4 vectors), linked last in the capability list.</param>
    public DmaTestDevice(DeviceSpec spec, bool multifunction, bool withMsi = false)
        : base(WithDefaultLayout(spec), multifunction, msiVectors: withMsi ? MsiVectors : 0)
    {
        DmaMaskBits = spec.DmaMaskBits;
        AddressMask = DmaMaskBits >= 64 ? ulong.MaxValue : (1UL << DmaMaskBits) - 1;
        RegisterBar = -1;
        foreach (var b in Bars.Where(b => !b.IsIo).OrderBy(b => b.Index))
        {
            if (b.Size >= 0x1000) { RegisterBar = b.Index; break; }
        }
    }

    /// <summary>
    /// The default BAR/MSI-X layout for a device whose topology declares neither BARs nor MSI-X: BAR0 128 KiB mem32
    /// (registers, MSI-X table at 0x2000 and PBA at 0x3000 with 8 vectors, local memory at 0x10000) and BAR2, a
    /// 256-byte mem32 register mirror (a sub-page BAR).
    /// </summary>
    public static DeviceSpec WithDefaultLayout(DeviceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Bars.Count > 0 || spec.Msix is not null) return spec;
        return spec with
        {
            Bars = [new BarSpec(0, 0x2_0000, BarKind.Mem32), new BarSpec(2, 0x100, BarKind.Mem32)],
            Msix = new MsixSpec(8, 0, 0x2000, 0, 0x3000),
        };
    }

    public int DmaMaskBits { get; }

    /// <summary>The bus address bits the device can drive.</summary>
    public ulong AddressMask { get; }

    /// <summary>The BAR holding the register block, MSI-X (by default) and the local memory window; -1 if none fits.</summary>
    public int RegisterBar { get; }

    /// <summary>The device's own memory: the source of DMA writes and the destination of DMA reads.</summary>
    public Span<byte> LocalMemory => _local;

    /// <summary>The outcome of the last DMA the device ran (through registers or the test API).</summary>
    public DmaOutcome? LastDma { get; private set; }

    // ---- test API: the suite plays an adversarial guest driving the device ------------------------------------

    /// <summary>The device reads <paramref name="destination"/>.Length bytes at a bus address (as its engine would).</summary>
    public DmaOutcome DmaRead(ulong busAddress, Span<byte> destination) => Issue(busAddress, destination, DmaDirection.Read);

    public DmaOutcome DmaRead(ulong busAddress, int length, out byte[] data)
    {
        data = new byte[length];
        return Issue(busAddress, data, DmaDirection.Read);
    }

    /// <summary>The device writes <paramref name="bytes"/> at a bus address.</summary>
    public DmaOutcome DmaWrite(ulong busAddress, ReadOnlySpan<byte> bytes) => Issue(busAddress, bytes.ToArray(), DmaDirection.Write);

    /// <summary>
    /// The device signals interrupt vector <paramref name="vector"/>: through MSI-X when MSI-X is enabled, else
    /// through MSI when MSI is enabled (software never enables both: PCIe Base §6.1.4), else nothing is sent.
    /// </summary>
    public MsixSendOutcome RaiseVector(int vector)
    {
        if (Msix is { } x && (x.Control.Enable || Msi is not { Control.Enable: true })) return x.Raise(vector);
        if (Msi is { } m) return m.Raise(vector);
        return new MsixSendOutcome(MsixSendKind.NoSuchVector, vector);
    }

    /// <summary>
    /// Runs one transfer. The address is cut to the device's <see cref="DmaMaskBits"/> (the upper address lines do not
    /// exist, so the address wraps); a transfer that wraps is issued as two.
    /// </summary>
    private DmaOutcome Issue(ulong busAddress, Span<byte> buffer, DmaDirection direction)
    {
        var machine = Machine ?? throw new InvalidOperationException($"{Bdf} is not plugged into a machine");
        int done = 0;
        DmaOutcome outcome = default;
        ulong firstPa = 0;
        do
        {
            ulong at = (busAddress + (ulong)done) & AddressMask;
            ulong room = AddressMask == ulong.MaxValue ? ulong.MaxValue : AddressMask - at + 1;
            int chunk = (int)Math.Min((ulong)(buffer.Length - done), room);
            outcome = machine.Dma(Bdf, at, buffer.Slice(done, chunk), direction);
            if (done == 0) firstPa = outcome.Address;
            if (!outcome.IsOk)
            {
                outcome = outcome with { BytesDone = done + outcome.BytesDone };
                break;
            }
            done += chunk;
        } while (done < buffer.Length);
        if (outcome.IsOk) outcome = outcome with { Address = firstPa, BytesDone = done };
        LastDma = outcome;
        return outcome;
    }

    /// <summary>A reset clears the engine's registers, the last outcome and local memory.</summary>
    protected override void OnReset()
    {
        Array.Clear(_local);
        _dmaAddress = 0;
        _localOffset = _length = _command = _scratch = _doorbellOutcome = 0;
        LastDma = null;
    }

    // ---- registers --------------------------------------------------------------------------------------------

    protected override ulong ReadBarRegister(int bar, ulong offset, int width)
    {
        if (bar == RegisterBar && offset >= LocalMemoryOffset && offset - LocalMemoryOffset <= (ulong)(LocalMemorySize - width))
        {
            int at = (int)(offset - LocalMemoryOffset);
            ulong v = 0;
            for (int i = width - 1; i >= 0; i--) v = (v << 8) | _local[at + i];
            return v;
        }
        if (!IsRegisterWindow(bar, offset)) return 0;
        ulong value = 0;
        for (int i = width - 1; i >= 0; i--)
        {
            ulong b = offset + (ulong)i;
            value = (value << 8) | ((ReadRegister((int)(b & ~3UL)) >> (int)(8 * (b & 3))) & 0xff);
        }
        return value;
    }

    protected override void WriteBarRegister(int bar, ulong offset, int width, ulong value)
    {
        if (bar == RegisterBar && offset >= LocalMemoryOffset && offset - LocalMemoryOffset <= (ulong)(LocalMemorySize - width))
        {
            int at = (int)(offset - LocalMemoryOffset);
            for (int i = 0; i < width; i++) _local[at + i] = (byte)(value >> (8 * i));
            return;
        }
        if (!IsRegisterWindow(bar, offset)) return;
        if (width == 8)
        {
            WriteBarRegister(bar, offset, 4, (uint)value);
            WriteBarRegister(bar, offset + 4, 4, (uint)(value >> 32));
            return;
        }
        // A narrower write merges into its dword (byte enables), then acts as a write of that dword.
        int reg = (int)(offset & ~3UL);
        int shift = (int)(8 * (offset & 3));
        uint laneMask = (uint)(((1UL << (8 * width)) - 1) << shift);
        uint merged = (ReadRegister(reg) & ~laneMask) | ((uint)(value << shift) & laneMask);
        WriteRegister(reg, merged);
    }

    private bool IsRegisterWindow(int bar, ulong offset)
    {
        if (bar == RegisterBar) return offset < 0x1000;
        var b = Bar(bar);
        return b is { IsIo: false, Size: < 0x1000 } && offset < 0x100;
    }

    private uint ReadRegister(int reg) => reg switch
    {
        RegId => Identification,
        RegInfo => (uint)DmaMaskBits | ((uint)(LocalMemorySize / 1024) << 16),
        RegStatus => StatusRegister(),
        RegDone => (uint)(LastDma?.BytesDone ?? 0),
        RegDmaAddr => (uint)_dmaAddress,
        RegDmaAddrHi => (uint)(_dmaAddress >> 32),
        RegLocal => _localOffset,
        RegLength => _length,
        RegCommand => _command,
        RegDoorbell => _doorbellOutcome,
        RegFaultAddr => (uint)(LastDma?.FaultAddress ?? 0),
        RegFaultAddrHi => (uint)((LastDma?.FaultAddress ?? 0) >> 32),
        RegScratch => _scratch,
        _ => 0,
    };

    private uint StatusRegister()
    {
        if (LastDma is not { } d) return 0;
        var code = d.Kind switch
        {
            DmaResultKind.Ok => DmaTestOutcomeCode.Ok,
            DmaResultKind.Fault => DmaTestOutcomeCode.Fault,
            DmaResultKind.Frozen => DmaTestOutcomeCode.Frozen,
            DmaResultKind.Abort => DmaTestOutcomeCode.Abort,
            _ => DmaTestOutcomeCode.Interrupt,
        };
        return (d.IsOk ? 0u : 2u) | ((uint)code << 4) | ((uint)(d.Reason & 0xffff) << 16);
    }

    private void WriteRegister(int reg, uint value)
    {
        switch (reg)
        {
            case RegDmaAddr: _dmaAddress = ((_dmaAddress & 0xFFFF_FFFF_0000_0000) | value) & AddressMask; break;
            case RegDmaAddrHi: _dmaAddress = ((_dmaAddress & 0xFFFF_FFFF) | ((ulong)value << 32)) & AddressMask; break;
            case RegLocal: _localOffset = value % LocalMemorySize; break;
            case RegLength: _length = value; break;
            case RegScratch: _scratch = value; break;
            case RegCommand: _command = value; RunCommand(value); break;
            case RegDoorbell: _doorbellOutcome = (uint)RaiseVector((int)(value & 0x7FF)).Kind; break;
            default: break; // read-only or unimplemented
        }
    }

    private void RunCommand(uint command)
    {
        uint op = command & 3;
        if (op is not (CommandRead or CommandWrite)) return;
        int length = (int)Math.Min(_length, (uint)(LocalMemorySize - (int)_localOffset));
        var local = _local.AsSpan((int)_localOffset, length);
        var outcome = Issue(_dmaAddress, local, op == CommandRead ? DmaDirection.Read : DmaDirection.Write);
        if ((command & CommandRaiseOnCompletion) != 0)
            _doorbellOutcome = (uint)RaiseVector((int)((command >> 16) & 0x7FF)).Kind;
        _ = outcome;
    }

    /// <summary>Little-endian helper for tests and builders: the dword at <paramref name="offset"/> of local memory.</summary>
    public uint LocalDword(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_local.AsSpan(offset));
}
