using System.Buffers.Binary;

namespace Conformance.Reference.AmdVi;

/// <summary>
/// §3.4 register attributes over the 16 KiB aperture: each byte has a software-writable mask and a
/// write-one-to-clear mask; the rest is read-only to software and changes only through the hardware setters.
/// Any offset and width is accepted: bytes outside the aperture read 0 and writes to them drop.
/// </summary>
internal sealed class AmdViRegisterFile
{
    private readonly byte[] _value = new byte[AmdViRegisterOffsets.BlockSize];
    private readonly byte[] _writable = new byte[AmdViRegisterOffsets.BlockSize];
    private readonly byte[] _writeOneToClear = new byte[AmdViRegisterOffsets.BlockSize];

    public void Define(int offset, ulong reset, ulong writable = 0, ulong writeOneToClear = 0)
    {
        for (int i = 0; i < 8; i++)
        {
            _value[offset + i] = (byte)(reset >> (8 * i));
            _writable[offset + i] = (byte)(writable >> (8 * i));
            _writeOneToClear[offset + i] = (byte)(writeOneToClear >> (8 * i));
        }
    }

    public ulong Read(ulong offset, int width)
    {
        ulong v = 0;
        for (int i = width - 1; i >= 0; i--)
        {
            ulong o = offset + (ulong)i;
            v = (v << 8) | (o < AmdViRegisterOffsets.BlockSize ? _value[o] : (byte)0);
        }
        return v;
    }

    public void Write(ulong offset, int width, ulong value)
    {
        for (int i = 0; i < width; i++)
        {
            ulong o = offset + (ulong)i;
            if (o >= AmdViRegisterOffsets.BlockSize) return;
            byte b = (byte)(value >> (8 * i));
            byte w = _writable[o];
            byte c = _writeOneToClear[o];
            _value[o] = (byte)(((_value[o] & ~w) | (b & w)) & ~(b & c));
        }
    }

    public ulong Get(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(_value.AsSpan(offset));
    public void Set(int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_value.AsSpan(offset), value);
    public void SetBits(int offset, ulong set, ulong clear) => Set(offset, (Get(offset) & ~clear) | set);
}
