namespace Conformance.Reference.Power;

/// <summary>
/// IODA3 PE Lookup Table Vector (PELT-V, <c>ibm,opal-peltv-table</c>): for each PE a bit vector of the PEs that are
/// frozen together with it. Byte <c>parent*(max_pes/8) + child/8</c>, bit <c>0x80 &gt;&gt; (child%8)</c> (skiboot
/// <c>phb4_set_peltv</c>). Linux sets a PE's own bit and its bit in every ancestor bridge PE's vector, so a parent's
/// freeze freezes its children.
/// </summary>
public sealed class PeltV
{
    private readonly byte[] _table;
    private readonly int _numPes;

    public PeltV(int numPes)
    {
        _numPes = numPes;
        _table = new byte[numPes * Math.Max(1, numPes / 8)];
    }

    private int Stride => Math.Max(1, _numPes / 8);

    public void Set(int parent, int child, bool state)
    {
        int idx = parent * Stride + child / 8;
        byte mask = (byte)(0x80 >> (child % 8));
        if (state) _table[idx] |= mask;
        else _table[idx] &= (byte)~mask;
    }

    public bool Contains(int parent, int child) => (_table[parent * Stride + child / 8] & (0x80 >> (child % 8))) != 0;

    /// <summary>The PEs in <paramref name="parent"/>'s vector.</summary>
    public IEnumerable<int> Members(int parent)
    {
        for (int child = 0; child < _numPes; child++)
        {
            if (Contains(parent, child)) yield return child;
        }
    }

    public void Clear() => Array.Clear(_table);
}
