using System.Buffers.Binary;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §10.4 register attributes: the 4 KiB register page as bytes, each byte with a software-writable mask
/// (RW) and a write-one-to-clear mask (RW1C). Everything else is read-only to software (RO, RsvdZ) and changes only
/// through the hardware-side setters. Any offset and width is accepted: bytes outside the page read 0 and drop.
/// </summary>
internal sealed class RegisterFile
{
    private readonly byte[] _value = new byte[VtdRegisterOffsets.BlockSize];
    private readonly byte[] _writable = new byte[VtdRegisterOffsets.BlockSize];
    private readonly byte[] _writeOneToClear = new byte[VtdRegisterOffsets.BlockSize];

    /// <summary>Declares a register: its reset value and which bits software may write or clear.</summary>
    public void Define(int offset, int width, ulong reset, ulong writable = 0, ulong writeOneToClear = 0)
    {
        for (int i = 0; i < width; i++)
        {
            _value[offset + i] = (byte)(reset >> (8 * i));
            _writable[offset + i] = (byte)(writable >> (8 * i));
            _writeOneToClear[offset + i] = (byte)(writeOneToClear >> (8 * i));
        }
    }

    /// <summary>Software read: little-endian bytes; outside the page reads 0.</summary>
    public ulong Read(ulong offset, int width)
    {
        ulong v = 0;
        for (int i = width - 1; i >= 0; i--)
        {
            ulong o = offset + (ulong)i;
            v = (v << 8) | (o < VtdRegisterOffsets.BlockSize ? _value[o] : (byte)0);
        }
        return v;
    }

    /// <summary>Software write: RW bits take the new value, RW1C bits clear where a 1 is written, the rest keep their value.</summary>
    public void Write(ulong offset, int width, ulong value)
    {
        for (int i = 0; i < width; i++)
        {
            ulong o = offset + (ulong)i;
            if (o >= VtdRegisterOffsets.BlockSize) return;
            byte b = (byte)(value >> (8 * i));
            byte w = _writable[o];
            byte c = _writeOneToClear[o];
            byte old = _value[o];
            _value[o] = (byte)(((old & ~w) | (b & w)) & ~(b & c));
        }
    }

    public uint Get32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_value.AsSpan(offset));
    public ulong Get64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(_value.AsSpan(offset));
    public void Set32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_value.AsSpan(offset), value);
    public void Set64(int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_value.AsSpan(offset), value);
    public void SetBits32(int offset, uint set, uint clear) => Set32(offset, (Get32(offset) & ~clear) | set);
    public void SetBits64(int offset, ulong set, ulong clear) => Set64(offset, (Get64(offset) & ~clear) | set);
}
