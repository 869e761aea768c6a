using System;
using System.Collections;
using System.Collections.Generic;

namespace Conformance.SpecGenerator;

/// <summary>An immutable array with value equality, so incremental generator steps cache correctly.</summary>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
{
    private readonly T[]? _items;

    public EquatableArray(IEnumerable<T> items) => _items = [.. items];

    public int Count => _items?.Length ?? 0;
    public T this[int i] => _items![i];

    public bool Equals(EquatableArray<T> other)
    {
        var a = _items ?? [];
        var b = other._items ?? [];
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is EquatableArray<T> o && Equals(o);

    public override int GetHashCode()
    {
        int h = 17;
        foreach (var x in _items ?? []) h = (h * 31) + (x is null ? 0 : EqualityComparer<T>.Default.GetHashCode(x));
        return h;
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool operator ==(EquatableArray<T> l, EquatableArray<T> r) => l.Equals(r);
    public static bool operator !=(EquatableArray<T> l, EquatableArray<T> r) => !l.Equals(r);
}
