namespace Conformance.Reference.Pci;

/// <summary>Message Control register of the MSI capability (PCI Local Bus 3.0 §6.8.1.3; PCIe Base §7.7.1.2; PCI_MSI_FLAGS_*).</summary>
public readonly record struct MsiMessageControl(ushort Raw)
{
    public const ushort EnableBit = 0x0001;          // PCI_MSI_FLAGS_ENABLE
    public const ushort MultipleCapableMask = 0x000E; // PCI_MSI_FLAGS_QMASK
    public const ushort MultipleEnableMask = 0x0070;  // PCI_MSI_FLAGS_QSIZE
    public const ushort Address64Bit = 0x0080;        // PCI_MSI_FLAGS_64BIT
    public const ushort PerVectorMasking = 0x0100;    // PCI_MSI_FLAGS_MASKBIT
    public bool Enable => (Raw & EnableBit) != 0;
    /// <summary>Vectors the function asks for (2^MMC).</summary>
    public int VectorsCapable => 1 << ((Raw & MultipleCapableMask) >> 1);
    /// <summary>Vectors software granted (2^MME); values above MMC are treated as MMC.</summary>
    public int VectorsEnabled => 1 << Math.Min((Raw & MultipleEnableMask) >> 4, (Raw & MultipleCapableMask) >> 1);
    public bool Is64Bit => (Raw & Address64Bit) != 0;
    public bool CanMaskPerVector => (Raw & PerVectorMasking) != 0;
}

/// <summary>
/// PCI Local Bus 3.0 §6.8.1 / PCIe Base 6.x §7.7.1 MSI capability (ID 0x05), the 64-bit form with per-vector
/// masking: message control (+2), address (+4), upper address (+8), data (+0xC), mask bits (+0x10), pending bits
/// (+0x14, read-only). Vector n of the 2^MME granted is sent as a write of the data with its low MME bits replaced
/// by n (§6.8.1.6); a masked vector sets its pending bit and is sent when unmasked.
/// </summary>
public sealed class MsiCapability
{
    public const int CapabilitySize = 0x18;
    public const int FlagsOffset = 2, AddressLo = 4, AddressHi = 8, Data = 0xC, MaskBits = 0x10, PendingBits = 0x14;

    private readonly PciFunction _owner;

    internal MsiCapability(PciFunction owner, int capabilityOffset, int vectors)
    {
        if (vectors is not (1 or 2 or 4 or 8 or 16 or 32)) throw new ArgumentOutOfRangeException(nameof(vectors), vectors, "MSI offers 1, 2, 4, 8, 16 or 32 vectors");
        _owner = owner;
        CapabilityOffset = capabilityOffset;
        var c = owner.Config;
        int mmc = System.Numerics.BitOperations.Log2((uint)vectors);
        c.Set8(capabilityOffset, (byte)PciCapabilityId.Msi);
        c.Set16(capabilityOffset + FlagsOffset, (ushort)((mmc << 1) | MsiMessageControl.Address64Bit | MsiMessageControl.PerVectorMasking));
        c.SetWritable(capabilityOffset + FlagsOffset, 2, MsiMessageControl.EnableBit | MsiMessageControl.MultipleEnableMask);
        c.SetWritable(capabilityOffset + AddressLo, 4, 0xFFFF_FFFC);
        c.SetWritable(capabilityOffset + AddressHi, 4, 0xFFFF_FFFF);
        c.SetWritable(capabilityOffset + Data, 2, 0xFFFF);
        c.SetWritable(capabilityOffset + MaskBits, 4, vectors == 32 ? 0xFFFF_FFFF : (1u << vectors) - 1);
        c.Written += OnConfigWritten;
    }

    public int CapabilityOffset { get; }
    public MsiMessageControl Control => new(_owner.Config.Get16(CapabilityOffset + FlagsOffset));
    public ulong Address => ((ulong)_owner.Config.Get32(CapabilityOffset + AddressHi) << 32) | _owner.Config.Get32(CapabilityOffset + AddressLo);
    public ushort MessageData => _owner.Config.Get16(CapabilityOffset + Data);
    public bool IsMasked(int vector) => (_owner.Config.Get32(CapabilityOffset + MaskBits) & (1u << vector)) != 0;
    public bool IsPending(int vector) => (_owner.Config.Get32(CapabilityOffset + PendingBits) & (1u << vector)) != 0;

    /// <summary>The function signals MSI vector <paramref name="vector"/>.</summary>
    public MsixSendOutcome Raise(int vector)
    {
        var control = Control;
        if ((uint)vector >= (uint)control.VectorsCapable) return new MsixSendOutcome(MsixSendKind.NoSuchVector, vector);
        if (!control.Enable) return new MsixSendOutcome(MsixSendKind.Disabled, vector);
        if (vector >= control.VectorsEnabled) return new MsixSendOutcome(MsixSendKind.NoSuchVector, vector);
        if (IsMasked(vector))
        {
            SetPending(vector, true);
            return new MsixSendOutcome(MsixSendKind.Pending, vector);
        }
        return Send(vector);
    }

    private MsixSendOutcome Send(int vector)
    {
        if (!_owner.BusMasterEnabled) return new MsixSendOutcome(MsixSendKind.BusMasterDisabled, vector);
        SetPending(vector, false);
        uint low = (uint)Control.VectorsEnabled - 1;
        uint data = (MessageData & ~low) | ((uint)vector & low);
        ulong address = Address;
        var io = _owner.Machine?.Msi(_owner.Bdf, address, data);
        return new MsixSendOutcome(MsixSendKind.Sent, vector, io, address, data);
    }

    private void SetPending(int vector, bool on)
    {
        int at = CapabilityOffset + PendingBits;
        uint bits = _owner.Config.Get32(at);
        _owner.Config.Set32(at, on ? bits | (1u << vector) : bits & ~(1u << vector));
    }

    private void OnConfigWritten(int offset, int width, uint value)
    {
        int start = CapabilityOffset + FlagsOffset, end = CapabilityOffset + MaskBits + 4;
        if (offset >= end || offset + width <= start) return;
        var control = Control;
        if (!control.Enable) return;
        for (int v = 0; v < control.VectorsEnabled; v++)
        {
            if (IsPending(v) && !IsMasked(v)) Send(v);
        }
    }
}
