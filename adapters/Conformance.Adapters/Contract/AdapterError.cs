namespace Conformance.Adapters;

/// <summary>
/// The kinds of refusal an adapter may answer with. They mirror the errno distinctions VFIO and iommufd make
/// (facts §1.2-§1.7, §2.1), so a VMM can act on them and the suite can check them exactly.
/// </summary>
public enum AdapterErrorKind
{
    /// <summary>EINVAL: malformed request (misaligned, zero size, bisecting unmap, no window at that address...).</summary>
    Invalid,
    /// <summary>EEXIST: the range overlaps an existing mapping.</summary>
    Exists,
    /// <summary>ENOSPC: no more mappings, windows or IOVA space.</summary>
    NoSpace,
    /// <summary>EPERM: not allowed (group not viable, noiommu without privilege, no MSI isolation, not the owner).</summary>
    Permission,
    /// <summary>EBUSY: already owned by someone else, or in use.</summary>
    Busy,
    /// <summary>ENOENT / ENODEV: no such group, device, mapping or window.</summary>
    NotFound,
    /// <summary>ENOTTY / EOPNOTSUPP: the adapter does not implement this operation.</summary>
    NotSupported,
    /// <summary>EOVERFLOW: address arithmetic wraps.</summary>
    Overflow,
    /// <summary>ENXIO: the address is in no DMA window (sPAPR TCE).</summary>
    NoWindow,
    /// <summary>EIO: the partitionable endpoint is frozen (EEH) or the hardware answered an error.</summary>
    Io,
}

/// <summary>An adapter's refusal: a kind the caller can act on and a message for people.</summary>
public readonly record struct AdapterError(AdapterErrorKind Kind, string Message)
{
    /// <summary>The Linux errno name VFIO/iommufd would return for this kind.</summary>
    public string Errno => Kind switch
    {
        AdapterErrorKind.Invalid => "EINVAL",
        AdapterErrorKind.Exists => "EEXIST",
        AdapterErrorKind.NoSpace => "ENOSPC",
        AdapterErrorKind.Permission => "EPERM",
        AdapterErrorKind.Busy => "EBUSY",
        AdapterErrorKind.NotFound => "ENOENT",
        AdapterErrorKind.NotSupported => "ENOTTY",
        AdapterErrorKind.Overflow => "EOVERFLOW",
        AdapterErrorKind.NoWindow => "ENXIO",
        AdapterErrorKind.Io => "EIO",
        _ => "E?",
    };

    public override string ToString() => $"{Kind} ({Errno}): {Message}";

    public static AdapterError Invalid(string m) => new(AdapterErrorKind.Invalid, m);
    public static AdapterError Exists(string m) => new(AdapterErrorKind.Exists, m);
    public static AdapterError NoSpace(string m) => new(AdapterErrorKind.NoSpace, m);
    public static AdapterError Permission(string m) => new(AdapterErrorKind.Permission, m);
    public static AdapterError Busy(string m) => new(AdapterErrorKind.Busy, m);
    public static AdapterError NotFound(string m) => new(AdapterErrorKind.NotFound, m);
    public static AdapterError NotSupported(string m) => new(AdapterErrorKind.NotSupported, m);
    public static AdapterError Overflow(string m) => new(AdapterErrorKind.Overflow, m);
    public static AdapterError NoWindow(string m) => new(AdapterErrorKind.NoWindow, m);
}

/// <summary>Success, or an <see cref="AdapterError"/>. Never thrown.</summary>
public readonly record struct Result
{
    private readonly AdapterError? _error;
    private Result(AdapterError? error) => _error = error;

    public static Result Ok { get; } = new(null);
    public bool IsOk => _error is null;
    public AdapterError Error => _error ?? throw new InvalidOperationException("the result is a success");
    public AdapterErrorKind? ErrorKind => _error?.Kind;

    public static implicit operator Result(AdapterError error) => new(error);
    public override string ToString() => _error is { } e ? e.ToString() : "Ok";
}

/// <summary>A value, or an <see cref="AdapterError"/>. Never thrown.</summary>
public readonly record struct Result<T>
{
    private readonly T? _value;
    private readonly AdapterError? _error;
    private Result(T? value, AdapterError? error) { _value = value; _error = error; }

    public bool IsOk => _error is null;
    public T Value => _error is { } e ? throw new InvalidOperationException($"the result is an error: {e}") : _value!;
    public AdapterError Error => _error ?? throw new InvalidOperationException("the result is a success");
    public AdapterErrorKind? ErrorKind => _error?.Kind;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(AdapterError error) => new(default, error);

    /// <summary>A success holding <paramref name="value"/> (for when the implicit conversion does not apply, e.g. interfaces).</summary>
    public static Result<T> From(T value) => new(value, null);

    /// <summary>Drops the value (for callers that only care whether it worked).</summary>
    public Result AsResult() => _error is { } e ? e : Result.Ok;
    public override string ToString() => _error is { } e ? e.ToString() : $"Ok({_value})";
}
