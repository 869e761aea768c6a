using System.Buffers.Binary;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Pci;

/// <summary>
/// One MSI-X table entry (PCIe Base 6.x §7.7.2.7-9; PCI_MSIX_ENTRY_*): message address low (+0), high (+4),
/// message data (+8), vector control (+12, bit 0 = mask).
/// </summary>
public readonly record struct MsixEntry(uint AddressLo, uint AddressHi, uint Data, uint VectorControl)
{
    public const int Size = 16;                 // PCI_MSIX_ENTRY_SIZE
    public const uint MaskBit = 0x1;            // PCI_MSIX_ENTRY_CTRL_MASKBIT
    public ulong Address => ((ulong)AddressHi << 32) | AddressLo;
    public bool Masked => (VectorControl & MaskBit) != 0;
}

/// <summary>Message Control register of the MSI-X capability (PCIe Base §7.7.2.2; PCI_MSIX_FLAGS_*).</summary>
public readonly record struct MsixMessageControl(ushort Raw)
{
    public const ushort TableSizeMask = 0x07FF;  // PCI_MSIX_FLAGS_QSIZE (N-1)
    public const ushort FunctionMaskBit = 0x4000; // PCI_MSIX_FLAGS_MASKALL
    public const ushort EnableBit = 0x8000;       // PCI_MSIX_FLAGS_ENABLE
    public int TableSize => (Raw & TableSizeMask) + 1;
    public bool FunctionMask => (Raw & FunctionMaskBit) != 0;
    public bool Enable => (Raw & EnableBit) != 0;
}

public enum MsixSendKind
{
    /// <summary>The message was written upstream; <see cref="MsixSendOutcome.Interrupt"/> says what the platform did with it.</summary>
    Sent,
    /// <summary>The vector or the function is masked: the pending bit is set and the message waits for unmask.</summary>
    Pending,
    /// <summary>MSI-X is not enabled: no message is generated.</summary>
    Disabled,
    /// <summary>Bus Master Enable is clear: the function may not write upstream, so no message is generated.</summary>
    BusMasterDisabled,
    /// <summary>The function has no such vector.</summary>
    NoSuchVector,
}

public readonly record struct MsixSendOutcome(MsixSendKind Kind, int Vector, InterruptOutcome? Interrupt = null, ulong Address = 0, uint Data = 0)
{
    public bool Delivered => Kind == MsixSendKind.Sent && Interrupt is { Kind: InterruptResultKind.Delivered };
}

/// <summary>
/// PCIe Base 6.x §7.7.2 MSI-X capability and §6.1.4 MSI-X operation: the capability (ID 0x11) in configuration
/// space — message control (+2), table offset/BIR (+4), PBA offset/BIR (+8) — and the table and pending-bit array
/// living in the function's memory BAR(s). A vector raised while masked (per-vector mask or function mask) sets its
/// pending bit; when it becomes unmasked with MSI-X enabled the function sends the message and clears the bit.
/// </summary>
public sealed class MsixCapability
{
    public const int CapabilitySize = 12; // PCI_CAP_MSIX_SIZEOF
    public const int FlagsOffset = 2;     // PCI_MSIX_FLAGS
    public const int TableOffsetRegister = 4; // PCI_MSIX_TABLE
    public const int PbaOffsetRegister = 8;   // PCI_MSIX_PBA

    private readonly PciFunction _owner;
    private readonly byte[] _table;
    private readonly ulong[] _pending;

    internal MsixCapability(PciFunction owner, int capabilityOffset, int vectors, int tableBar, uint tableOffset, int pbaBar, uint pbaOffset)
    {
        if (vectors is < 1 or > 2048) throw new ArgumentOutOfRangeException(nameof(vectors), vectors, "MSI-X has 1 to 2048 vectors");
        _owner = owner;
        CapabilityOffset = capabilityOffset;
        Vectors = vectors;
        TableBar = tableBar;
        TableOffset = tableOffset;
        PbaBar = pbaBar;
        PbaOffset = pbaOffset;
        _table = new byte[vectors * MsixEntry.Size];
        _pending = new ulong[(vectors + 63) / 64];
        ResetState();

        var c = owner.Config;
        c.Set8(capabilityOffset, (byte)PciCapabilityId.MsiX);
        c.Set16(capabilityOffset + FlagsOffset, (ushort)(vectors - 1));
        c.SetWritable(capabilityOffset + FlagsOffset, 2, MsixMessageControl.FunctionMaskBit | MsixMessageControl.EnableBit);
        c.Set32(capabilityOffset + TableOffsetRegister, tableOffset | (uint)tableBar);
        c.Set32(capabilityOffset + PbaOffsetRegister, pbaOffset | (uint)pbaBar);
        c.Written += OnConfigWritten;
    }

    /// <summary>Table and PBA return to their reset values: every entry zero with its mask bit set (§7.7.2.9), nothing pending.</summary>
    internal void ResetState()
    {
        Array.Clear(_table);
        Array.Clear(_pending);
        for (int v = 0; v < Vectors; v++) _table[v * MsixEntry.Size + 12] = (byte)MsixEntry.MaskBit;
    }

    public int CapabilityOffset { get; }
    public int Vectors { get; }
    public int TableBar { get; }
    public uint TableOffset { get; }
    public int PbaBar { get; }
    public uint PbaOffset { get; }
    public int PbaSize => _pending.Length * 8;

    public MsixMessageControl Control => new(_owner.Config.Get16(CapabilityOffset + FlagsOffset));

    public MsixEntry Entry(int vector)
    {
        var s = _table.AsSpan(vector * MsixEntry.Size, MsixEntry.Size);
        return new MsixEntry(BinaryPrimitives.ReadUInt32LittleEndian(s), BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[8..]), BinaryPrimitives.ReadUInt32LittleEndian(s[12..]));
    }

    public bool IsPending(int vector) => (_pending[vector >> 6] & (1UL << (vector & 63))) != 0;

    /// <summary>
    /// The function signals <paramref name="vector"/> (§6.1.4.5): with MSI-X disabled nothing is sent; masked, the
    /// pending bit is set; otherwise the entry's address/data are written upstream as a memory write.
    /// </summary>
    public MsixSendOutcome Raise(int vector)
    {
        if ((uint)vector >= (uint)Vectors) return new MsixSendOutcome(MsixSendKind.NoSuchVector, vector);
        var control = Control;
        if (!control.Enable) return new MsixSendOutcome(MsixSendKind.Disabled, vector);
        if (control.FunctionMask || Entry(vector).Masked)
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
        var e = Entry(vector);
        var machine = _owner.Machine;
        if (machine is null) return new MsixSendOutcome(MsixSendKind.Sent, vector, null, e.Address, e.Data);
        var io = machine.Msi(_owner.Bdf, e.Address, e.Data);
        return new MsixSendOutcome(MsixSendKind.Sent, vector, io, e.Address, e.Data);
    }

    /// <summary>Sends every pending vector that is now unmasked (after an unmask of a vector or of the function).</summary>
    private void SendUnmaskedPending(int only = -1)
    {
        var control = Control;
        if (!control.Enable || control.FunctionMask) return;
        for (int v = only < 0 ? 0 : only; v < (only < 0 ? Vectors : only + 1); v++)
        {
            if (IsPending(v) && !Entry(v).Masked) Send(v);
        }
    }

    private void SetPending(int vector, bool on)
    {
        ulong bit = 1UL << (vector & 63);
        if (on) _pending[vector >> 6] |= bit; else _pending[vector >> 6] &= ~bit;
    }

    private void OnConfigWritten(int offset, int width, uint value)
    {
        int flags = CapabilityOffset + FlagsOffset;
        if (offset < flags + 2 && flags < offset + width) SendUnmaskedPending();
    }

    /// <summary>A memory read in <paramref name="bar"/> at <paramref name="offset"/> that falls in the table or PBA.</summary>
    internal bool TryRead(int bar, ulong offset, int width, out ulong value)
    {
        value = 0;
        if (bar == TableBar && InRange(offset, width, TableOffset, (ulong)_table.Length))
        {
            int at = (int)(offset - TableOffset);
            for (int i = width - 1; i >= 0; i--) value = (value << 8) | _table[at + i];
            return true;
        }
        if (bar == PbaBar && InRange(offset, width, PbaOffset, (ulong)PbaSize))
        {
            int at = (int)(offset - PbaOffset);
            for (int i = width - 1; i >= 0; i--)
            {
                int b = at + i;
                value = (value << 8) | (byte)(_pending[b >> 3] >> (8 * (b & 7)));
            }
            return true;
        }
        return false;
    }

    /// <summary>A memory write into the table (address, data, vector control bit 0); the PBA is read-only.</summary>
    internal bool TryWrite(int bar, ulong offset, int width, ulong value)
    {
        if (bar == TableBar && InRange(offset, width, TableOffset, (ulong)_table.Length))
        {
            int at = (int)(offset - TableOffset);
            int vector = at / MsixEntry.Size;
            for (int i = 0; i < width; i++)
            {
                int b = at + i;
                byte v = (byte)(value >> (8 * i));
                // Vector control: only the mask bit is implemented; the rest is reserved (reads 0).
                if (b % MsixEntry.Size >= 12) v = b % MsixEntry.Size == 12 ? (byte)(v & MsixEntry.MaskBit) : (byte)0;
                _table[b] = v;
            }
            int last = (at + width - 1) / MsixEntry.Size;
            // Clearing a pending vector's mask bit sends it (§6.1.4.5).
            for (int vec = vector; vec <= last; vec++) SendUnmaskedPending(vec);
            return true;
        }
        return bar == PbaBar && InRange(offset, width, PbaOffset, (ulong)PbaSize);
    }

    private static bool InRange(ulong offset, int width, ulong start, ulong length) =>
        offset >= start && offset - start <= length - (ulong)width;
}
