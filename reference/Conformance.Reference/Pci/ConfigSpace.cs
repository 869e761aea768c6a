using System.Buffers.Binary;

namespace Conformance.Reference.Pci;

/// <summary>
/// One function's 4 KiB configuration space (PCI Local Bus 3.0 §6.1; PCIe Base 6.x §7.2.2 ECAM), with the register
/// attributes software sees: every byte has a writable mask (RW bits) and a write-1-to-clear mask (RW1C bits);
/// all other bits are read-only (RO, HwInit, RsvdP/RsvdZ). A write never throws: bytes beyond 4 KiB are dropped
/// and read back as all-ones.
/// </summary>
public sealed class ConfigSpace
{
    private readonly byte[] _value = new byte[PciConfig.Size];
    private readonly byte[] _writable = new byte[PciConfig.Size];
    private readonly byte[] _clearOnOne = new byte[PciConfig.Size];

    /// <summary>
    /// Called after a software write with the offset, width and the value as written (before masking), so the owner
    /// can react to enables, masks and write-only triggers such as Initiate FLR.
    /// </summary>
    public event Action<int, int, uint>? Written;

    /// <summary>A software read of 1, 2, 4 (or 8) bytes, little-endian. Bytes outside the 4 KiB space read 0xff.</summary>
    public uint Read(int offset, int width)
    {
        CheckWidth(width);
        uint v = 0;
        for (int i = width - 1; i >= 0; i--)
        {
            int at = offset + i;
            v = (v << 8) | (at is >= 0 and < PciConfig.Size ? _value[at] : 0xffu);
        }
        return v;
    }

    /// <summary>
    /// A software write: RW bits take the written value, RW1C bits written as 1 clear, everything else keeps its value.
    /// </summary>
    public void Write(int offset, int width, uint value)
    {
        CheckWidth(width);
        bool any = false;
        for (int i = 0; i < width; i++)
        {
            int at = offset + i;
            if (at is < 0 or >= PciConfig.Size) continue;
            byte b = (byte)(value >> (8 * i));
            byte w = _writable[at];
            byte c = _clearOnOne[at];
            _value[at] = (byte)((_value[at] & ~w & ~(b & c)) | (b & w));
            any = true;
        }
        if (any) Written?.Invoke(offset, width, value);
    }

    // ---- hardware side: initialisation and internal state changes (bypass the masks) ------------------------

    public byte Get8(int offset) => _value[offset];
    public ushort Get16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(_value.AsSpan(offset));
    public uint Get32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_value.AsSpan(offset));

    public void Set8(int offset, byte value) => _value[offset] = value;
    public void Set16(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_value.AsSpan(offset), value);
    public void Set32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_value.AsSpan(offset), value);

    /// <summary>A copy of every byte (the power-on state a reset returns to).</summary>
    public byte[] Snapshot() => (byte[])_value.Clone();

    /// <summary>Returns every byte to a snapshot (a reset); masks are unchanged.</summary>
    public void Restore(byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Length != PciConfig.Size) throw new ArgumentException("a configuration snapshot is 4096 bytes", nameof(snapshot));
        snapshot.CopyTo(_value, 0);
    }

    /// <summary>Declares which bits of the register at <paramref name="offset"/> software may write.</summary>
    public void SetWritable(int offset, int width, uint mask)
    {
        for (int i = 0; i < width; i++) _writable[offset + i] = (byte)(mask >> (8 * i));
    }

    /// <summary>Declares which bits of the register at <paramref name="offset"/> are write-1-to-clear.</summary>
    public void SetClearOnOne(int offset, int width, uint mask)
    {
        for (int i = 0; i < width; i++) _clearOnOne[offset + i] = (byte)(mask >> (8 * i));
    }

    /// <summary>Sets status bits the way hardware does (RW1C bits are set by hardware events).</summary>
    public void SetBits16(int offset, ushort bits) => Set16(offset, (ushort)(Get16(offset) | bits));

    /// <summary>The writable mask of a register (for tests and for software-visible probing helpers).</summary>
    public uint WritableMask(int offset, int width)
    {
        uint v = 0;
        for (int i = width - 1; i >= 0; i--) v = (v << 8) | _writable[offset + i];
        return v;
    }

    private static void CheckWidth(int width)
    {
        if (width is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(width), width, "configuration accesses are 1, 2 or 4 bytes wide");
    }
}
