using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Pci;

/// <summary>
/// A PCI function as software sees it (PCI Local Bus 3.0 ch. 6; PCIe Base 6.x ch. 7): a 4 KiB configuration space
/// with the type 0 (or, in <see cref="PciBridge"/>, type 1) header, BARs sized by the hardware, and a capability
/// list at 0x34 (Power Management, PCI-X, PCI Express, MSI-X) plus extended capabilities from 0x100 (ACS, ARI),
/// built from a topology's <see cref="DeviceSpec"/>. Its memory BARs decode bus addresses from their live values
/// while Memory Space Enable is set; the MSI-X table and PBA live in them.
/// </summary>
public class PciFunction
{
    /// <summary>Command bits software may write (PCI Local Bus 3.0 §6.2.2; PCIe Base §7.5.1.1.3 hard-wires the rest to 0).</summary>
    public const ushort CommandWritable = (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster
        | PciCommand.ParityErrorResponse | PciCommand.Serr | PciCommand.InterruptDisable);

    /// <summary>Status error bits that are RW1C (PCI Local Bus 3.0 §6.2.3).</summary>
    public const ushort StatusClearOnOne = (ushort)(PciStatus.MasterDataParityError | PciStatus.SignaledTargetAbort
        | PciStatus.ReceivedTargetAbort | PciStatus.ReceivedMasterAbort | PciStatus.SignaledSystemError | PciStatus.DetectedParityError);

    private readonly List<BaseAddressRegister> _bars = [];
    private int _lastCapability;      // offset of the last standard capability (0: none yet)
    private int _nextCapabilityFree = 0x40;
    private int _lastExtended;        // offset of the last extended capability (0: none yet)
    private int _nextExtendedFree = PciConfig.ExtendedStart;

    public PciFunction(DeviceSpec spec, bool multifunction, MsixSpec? msix = null, int msiVectors = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Bdf = spec.Bdf;
        Kind = spec.Kind;
        HeaderType = spec.Kind.IsBridge() ? PciHeaderType.Bridge : PciHeaderType.Normal;
        BuildHeader(spec, multifunction);
        foreach (var b in spec.Bars) AddBar(b);
        BuildCapabilities(spec, msix ?? spec.Msix, msiVectors);
        Config.Written += OnFunctionConfigWritten;
    }

    public Bdf Bdf { get; }
    public DeviceKind Kind { get; }
    public DeviceSpec Spec { get; }
    public PciHeaderType HeaderType { get; }
    public ConfigSpace Config { get; } = new();

    /// <summary>The machine the function is plugged into (set when it is added to a <see cref="PciHierarchy"/>).</summary>
    public Machine? Machine { get; internal set; }

    public IReadOnlyList<BaseAddressRegister> Bars => _bars;
    public MsixCapability? Msix { get; private set; }
    public MsiCapability? Msi { get; private set; }

    /// <summary>Offsets of the capabilities in configuration space (0 when absent).</summary>
    public int PowerManagementOffset { get; private set; }
    public int PciXOffset { get; private set; }
    public int PciExpressOffset { get; private set; }
    public int AcsOffset { get; private set; }
    public int AriOffset { get; private set; }

    public PciCommand Command => (PciCommand)Config.Get16(PciConfig.Command);
    public PciStatus Status => (PciStatus)Config.Get16(PciConfig.Status);
    public bool BusMasterEnabled => (Command & PciCommand.BusMaster) != 0;
    public bool MemorySpaceEnabled => (Command & PciCommand.MemorySpace) != 0;

    public uint ConfigRead(int offset, int width) => Config.Read(offset, width);
    public void ConfigWrite(int offset, int width, uint value) => Config.Write(offset, width, value);

    public BaseAddressRegister? Bar(int index)
    {
        foreach (var b in _bars) if (b.Index == index) return b;
        return null;
    }

    /// <summary>The bus address BAR <paramref name="index"/> decodes now (live register value).</summary>
    public ulong BarBase(int index) => Bar(index)?.LiveBase(Config) ?? throw new ArgumentOutOfRangeException(nameof(index), index, $"{Bdf} has no BAR {index}");

    /// <summary>Which memory BAR, if any, claims a bus address (only while Memory Space Enable is set).</summary>
    public bool TryDecode(ulong busAddress, int width, out int bar, out ulong offset)
    {
        bar = -1; offset = 0;
        if (!MemorySpaceEnabled) return false;
        foreach (var b in _bars)
        {
            if (!b.IsIo && b.Contains(Config, busAddress, width, out offset)) { bar = b.Index; return true; }
        }
        return false;
    }

    /// <summary>A memory read that this function's BAR <paramref name="bar"/> claimed, at <paramref name="offset"/> in it.</summary>
    public ulong ReadMemory(int bar, ulong offset, int width)
    {
        if (Msix is { } m && m.TryRead(bar, offset, width, out ulong v)) return v;
        return ReadBarRegister(bar, offset, width);
    }

    public void WriteMemory(int bar, ulong offset, int width, ulong value)
    {
        if (Msix is { } m && m.TryWrite(bar, offset, width, value)) return;
        WriteBarRegister(bar, offset, width, value);
    }

    /// <summary>Device registers behind a BAR; a plain function implements none (reads 0, writes are dropped).</summary>
    protected virtual ulong ReadBarRegister(int bar, ulong offset, int width) => 0;

    protected virtual void WriteBarRegister(int bar, ulong offset, int width, ulong value) { }

    /// <summary>The function's request ended in master abort / an Unsupported Request completion (§6.2.3 bit 13).</summary>
    public void RecordReceivedMasterAbort() => Config.SetBits16(PciConfig.Status, (ushort)PciStatus.ReceivedMasterAbort);

    /// <summary>Hardware sets Memory Space / Bus Master Enable as firmware would (the platform builder's job).</summary>
    public void Enable(PciCommand bits) => Config.Set16(PciConfig.Command, (ushort)((ushort)Command | ((ushort)bits & CommandWritable)));

    // ---- reset ------------------------------------------------------------------------------------------------

    private byte[]? _powerOn;

    /// <summary>How many times the function has been reset (FLR, secondary bus reset, or <see cref="Reset"/>).</summary>
    public int ResetCount { get; private set; }

    /// <summary>Function Level Reset Capability (PCIe Base §7.5.3.3 Device Capabilities bit 28).</summary>
    public bool FlrCapable => PciExpressOffset != 0 && (Config.Get32(PciExpressOffset + 4) & (1u << 28)) != 0;

    /// <summary>
    /// Records the power-on state a reset returns to: the configuration space as built, with every BAR's address bits
    /// cleared (after a reset software must assign BARs again: Linux saves and restores config space around it).
    /// </summary>
    internal void CapturePowerOnState()
    {
        _powerOn = Config.Snapshot();
        foreach (var b in _bars)
        {
            uint lo = b.TypeBits;
            _powerOn[b.Offset] = (byte)lo; _powerOn[b.Offset + 1] = 0; _powerOn[b.Offset + 2] = 0; _powerOn[b.Offset + 3] = 0;
            if (b.Is64) Array.Clear(_powerOn, b.Offset + 4, 4);
        }
    }

    /// <summary>
    /// A reset of the function (FLR, PCIe Base §6.6.2; or a conventional reset from a secondary bus reset): the
    /// configuration space returns to its power-on state (command 0: no decode, no bus mastering; MSI-X disabled;
    /// BARs unassigned), the MSI-X table and PBA to their reset values, and the device's own state is cleared.
    /// </summary>
    public void Reset()
    {
        if (_powerOn is null) CapturePowerOnState();
        Config.Restore(_powerOn!);
        Msix?.ResetState();
        OnReset();
        ResetCount++;
    }

    /// <summary>The device-specific part of a reset.</summary>
    protected virtual void OnReset() { }

    private void OnFunctionConfigWritten(int offset, int width, uint value)
    {
        // Device Control bit 15, Initiate Function Level Reset: write-only, reads 0 (PCIe Base §7.5.3.4).
        int devctlHigh = PciExpressOffset + 9;
        if (PciExpressOffset != 0 && devctlHigh >= offset && devctlHigh < offset + width
            && ((value >> (8 * (devctlHigh - offset))) & 0x80) != 0 && FlrCapable)
            Reset();
        else OnConfigWritten(offset, width, value);
    }

    /// <summary>Reacts to a software configuration write (after masking); the value is as written.</summary>
    protected virtual void OnConfigWritten(int offset, int width, uint value) { }

    public override string ToString() => $"{Bdf} {Kind.ToName()} [{Spec.Vendor:x4}:{Spec.DeviceId:x4}]";

    // ---- header -----------------------------------------------------------------------------------------------

    private void BuildHeader(DeviceSpec spec, bool multifunction)
    {
        var c = Config;
        c.Set16(PciConfig.VendorId, spec.Vendor);
        c.Set16(PciConfig.DeviceId, spec.DeviceId);
        c.SetWritable(PciConfig.Command, 2, CommandWritable);
        c.SetClearOnOne(PciConfig.Status, 2, StatusClearOnOne);
        c.Set32(PciConfig.RevisionId, (spec.ClassCode << 8) | spec.Revision);
        c.SetWritable(PciConfig.CacheLineSize, 1, 0xff);
        // Latency timer: hard-wired to 0 on PCI Express (§7.5.1.1.8), RW on conventional PCI.
        if (!spec.Kind.IsPcie()) c.SetWritable(PciConfig.LatencyTimer, 1, 0xff);
        c.Set8(PciConfig.HeaderType, (byte)((byte)HeaderType | (multifunction ? PciConfig.HeaderMultifunction : 0)));
        c.SetWritable(PciConfig.InterruptLine, 1, 0xff);
        if (spec.Kind != DeviceKind.HostBridge) c.Set8(PciConfig.InterruptPin, 1); // INTA#
        if (HeaderType == PciHeaderType.Normal)
        {
            c.Set16(PciConfig.SubsystemVendorId, spec.Vendor);
            c.Set16(PciConfig.SubsystemId, spec.DeviceId);
        }
    }

    private void AddBar(BarSpec spec)
    {
        int max = HeaderType == PciHeaderType.Bridge ? 1 : 5;
        int last = spec.Index + (spec.Kind == BarKind.Mem64 ? 1 : 0);
        if (spec.Index < 0 || last > max) throw new ArgumentException($"{Bdf}: BAR {spec.Index} does not fit a type {(int)HeaderType} header");
        if ((spec.Size & (spec.Size - 1)) != 0 || spec.Size < (spec.Kind == BarKind.Io ? 4UL : 16UL))
            throw new ArgumentException($"{Bdf}: BAR {spec.Index} size 0x{spec.Size:x} is not a power of two of at least 16 (4 for I/O)");
        foreach (var b in _bars)
        {
            if (b.Index == spec.Index || (b.Is64 && b.Index + 1 == spec.Index) || (spec.Kind == BarKind.Mem64 && spec.Index + 1 == b.Index))
                throw new ArgumentException($"{Bdf}: BAR {spec.Index} overlaps BAR {b.Index}");
        }
        var bar = new BaseAddressRegister(spec.Index, spec.Kind, spec.Prefetch && spec.Kind != BarKind.Io, spec.Size);
        _bars.Add(bar);
        var c = Config;
        ulong initial = spec.Base ?? 0;
        c.Set32(bar.Offset, ((uint)initial & bar.LowWritableMask) | bar.TypeBits);
        c.SetWritable(bar.Offset, 4, bar.LowWritableMask);
        if (bar.Is64)
        {
            c.Set32(bar.Offset + 4, (uint)(initial >> 32) & bar.HighWritableMask);
            c.SetWritable(bar.Offset + 4, 4, bar.HighWritableMask);
        }
    }

    /// <summary>Programs a BAR's base as firmware does (through the writable bits only).</summary>
    public void ProgramBar(int index, ulong baseAddress)
    {
        var bar = Bar(index) ?? throw new ArgumentOutOfRangeException(nameof(index), index, $"{Bdf} has no BAR {index}");
        Config.Write(bar.Offset, 4, (uint)baseAddress);
        if (bar.Is64) Config.Write(bar.Offset + 4, 4, (uint)(baseAddress >> 32));
    }

    // ---- capabilities -----------------------------------------------------------------------------------------

    private void BuildCapabilities(DeviceSpec spec, MsixSpec? msix, int msiVectors)
    {
        bool pcie = spec.Kind.IsPcie();
        if (spec.Kind != DeviceKind.HostBridge) BuildPowerManagement();
        if (spec.PciX) BuildPciX();
        if (pcie) BuildPciExpress(spec.Kind);
        if (msix is not null)
        {
            int at = AddCapability(MsixCapability.CapabilitySize);
            Msix = new MsixCapability(this, at, msix.Vectors, msix.TableBar, msix.TableOffset, msix.PbaBar, msix.PbaOffset);
        }
        // MSI is optional and placed last so the offsets of the others do not depend on it.
        if (msiVectors > 0) Msi = new MsiCapability(this, AddCapability(MsiCapability.CapabilitySize), msiVectors);
        if (pcie && spec.Acs is { } acs) BuildAcs(acs);
        if (pcie && spec.Ari) BuildAri();
    }

    /// <summary>Links a new capability into the list at 0x34 and returns its offset (PCI Local Bus 3.0 §6.7).</summary>
    protected int AddCapability(int size)
    {
        int at = _nextCapabilityFree;
        if (at + size > 0x100) throw new InvalidOperationException($"{Bdf}: capabilities do not fit below 0x100");
        _nextCapabilityFree = (at + size + 0xF) & ~0xF;
        if (_lastCapability == 0) Config.Set8(PciConfig.CapabilitiesPointer, (byte)at);
        else Config.Set8(_lastCapability + 1, (byte)at);
        _lastCapability = at;
        Config.SetBits16(PciConfig.Status, (ushort)PciStatus.CapabilitiesList);
        return at;
    }

    /// <summary>Links a new extended capability (PCIe Base §7.6.3 header: ID 15:0, version 19:16, next 31:20).</summary>
    protected int AddExtendedCapability(PciExtendedCapabilityId id, int version, int size)
    {
        int at = _nextExtendedFree;
        if (at + size > PciConfig.Size) throw new InvalidOperationException($"{Bdf}: extended capabilities do not fit in 4 KiB");
        _nextExtendedFree = (at + size + 0xF) & ~0xF;
        if (_lastExtended != 0) Config.Set32(_lastExtended, Config.Get32(_lastExtended) | ((uint)at << 20));
        Config.Set32(at, (uint)id | ((uint)version << 16));
        _lastExtended = at;
        return at;
    }

    /// <summary>PCI Bus Power Management Interface 1.2 §3.2: PMC (+2, version 3), PMCSR (+4: PowerState RW, PME_En RW, PME_Status RW1C).</summary>
    private void BuildPowerManagement()
    {
        int at = AddCapability(8);
        PowerManagementOffset = at;
        Config.Set8(at, (byte)PciCapabilityId.PowerManagement);
        Config.Set16(at + 2, 0x0003);
        Config.Set16(at + 4, 0x0008); // No_Soft_Reset
        Config.SetWritable(at + 4, 2, 0x0103);
        Config.SetClearOnOne(at + 4, 2, 0x8000);
    }

    /// <summary>PCI-X 2.0 §7.2 (device) / §8.6 (bridge) capability: status captures the function's bus/device/function.</summary>
    private void BuildPciX()
    {
        bool bridge = HeaderType == PciHeaderType.Bridge;
        int at = AddCapability(bridge ? 16 : 8);
        PciXOffset = at;
        Config.Set8(at, (byte)PciCapabilityId.PciX);
        Config.Set32(at + 4, (uint)(Bdf.Function | (Bdf.Device << 3) | (Bdf.Bus << 8)));
        if (!bridge) Config.SetWritable(at + 2, 2, 0x007F);
    }

    /// <summary>
    /// PCIe Base 6.x §7.5.3 PCI Express Capability (version 2, 0x3C bytes): capabilities register with Device/Port
    /// Type in bits 7:4, device capabilities/control/status, link registers, root registers for root ports,
    /// Device Capabilities 2 with ARI Forwarding Supported (bit 5) on root and downstream ports.
    /// </summary>
    private void BuildPciExpress(DeviceKind kind)
    {
        var type = kind.PortType();
        bool port = type is PciePortType.RootPort or PciePortType.Downstream;
        int at = AddCapability(0x3C);
        PciExpressOffset = at;
        var c = Config;
        c.Set8(at, (byte)PciCapabilityId.PciExpress);
        c.Set16(at + 0x02, (ushort)(0x2 | ((int)type << 4) | (port ? 0x100 : 0)));   // version 2, type, slot implemented
        bool flr = type is PciePortType.Endpoint or PciePortType.LegacyEndpoint or PciePortType.RcIntegratedEndpoint;
        c.Set32(at + 0x04, 0x0000_8001 | (flr ? 1u << 28 : 0)); // MPS 256B supported, role-based error reporting, FLR
        c.Set16(at + 0x08, 0x2810);                            // MRRS 512B, no snoop, relaxed ordering
        c.SetWritable(at + 0x08, 2, 0x7FFF);
        c.SetClearOnOne(at + 0x0A, 2, 0x000F);                 // error detected bits
        c.Set32(at + 0x0C, 0x0000_0013);                       // 8 GT/s, x1
        c.SetWritable(at + 0x10, 2, 0x0FCB);
        c.Set16(at + 0x12, 0x0013);
        c.SetClearOnOne(at + 0x12, 2, 0xC000);
        if (type == PciePortType.RootPort)
        {
            c.SetWritable(at + 0x1C, 2, 0x001F);
            c.SetClearOnOne(at + 0x20, 4, 0x0001_0000);
        }
        c.Set32(at + 0x24, port ? 0x20u : 0u);
        c.SetWritable(at + 0x28, 2, port ? 0x003Fu : 0x001Fu);
        c.Set32(at + 0x2C, 0x0E);
        c.Set16(at + 0x30, 0x3);
        c.SetWritable(at + 0x30, 2, 0x000F);
    }

    /// <summary>
    /// PCIe Base 6.x §7.7.8 ACS Extended Capability (ID 0x0D): capability register at +4 (RO), control at +6. Control
    /// bits for features the capability does not implement are hard-wired to 0; bits 12:7 (I/O request blocking,
    /// memory target access, unclaimed request redirect) exist only with ACS Enhanced Capability (cap bit 7).
    /// </summary>
    private void BuildAcs(AcsSpec acs)
    {
        int at = AddExtendedCapability(PciExtendedCapabilityId.Acs, 1, 8);
        AcsOffset = at;
        uint writable = (uint)(acs.Cap & 0x7F) | ((acs.Cap & 0x80) != 0 ? 0x1F80u : 0u);
        Config.Set16(at + 4, acs.Cap);
        Config.Set16(at + 6, (ushort)(acs.Ctl & writable));
        Config.SetWritable(at + 6, 2, writable);
    }

    /// <summary>PCIe Base 6.x §7.8.7 ARI Extended Capability (ID 0x0E): capability at +4 (Next Function Number 15:8), control at +6.</summary>
    private void BuildAri()
    {
        int at = AddExtendedCapability(PciExtendedCapabilityId.Ari, 1, 8);
        AriOffset = at;
    }

    /// <summary>Sets the ARI Next Function Number (the platform builder knows the other functions).</summary>
    public void SetAriNextFunction(byte next)
    {
        if (AriOffset == 0) throw new InvalidOperationException($"{Bdf} has no ARI capability");
        Config.Set16(AriOffset + 4, (ushort)(next << 8));
    }
}
