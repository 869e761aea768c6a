using System.Text;
using Conformance.Adapters;
using Conformance.Reference.Pci;
using Conformance.Suite.Machine;

namespace Conformance.Suite;

/// <summary>
/// What a check gets: the adapter under test, the seed, cancellation, a step log (the reproduction shown on
/// failure), and helpers that turn adapter answers and model observations into outcomes.
/// </summary>
public sealed class CheckContext
{
    private readonly StringBuilder _steps = new();
    private int _stepCount;

    public CheckContext(IAdapterFactory factory, IPlatformModel platformModel, string requirementId, string checkName, ulong seed, CancellationToken cancellation)
    {
        Factory = factory;
        PlatformModel = platformModel;
        RequirementId = requirementId;
        CheckName = checkName;
        Seed = seed;
        Cancellation = cancellation;
    }

    public IAdapterFactory Factory { get; }
    public IPlatformModel PlatformModel { get; }
    public string RequirementId { get; }
    public string CheckName { get; }
    public ulong Seed { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>The operations done so far, numbered (shown with the seed on failure).</summary>
    public string Steps => _steps.ToString();

    /// <summary>Extra reproduction text (e.g. CsCheck's shrunk operation sequence).</summary>
    public string? Reproduction { get; set; }

    /// <summary>While true, steps are not logged (generated sequences report through CsCheck instead).</summary>
    public bool Muted { get; set; }

    public void Step(string what)
    {
        if (Muted) return;
        _stepCount++;
        _steps.Append("  ").Append(_stepCount).Append(". ").AppendLine(what);
    }

    public bool Has(string capability) => Factory.Capabilities.Has(capability);

    /// <summary>A fresh machine and adapter for this check.</summary>
    public async Task<World> StartAsync(ulong? seed = null)
    {
        var scenario = new Scenario(seed ?? Seed, PlatformModel);
        var adapter = Factory.Create(scenario.Access);
        Step($"machine built (seed {seed ?? Seed}); adapter '{Factory.Name}' created");
        await Task.CompletedTask.ConfigureAwait(false);
        return new World(this, scenario, adapter);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Fail(string message) => throw new CheckFailedException(message);

    public void Ensure([System.Diagnostics.CodeAnalysis.DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition) Fail(message);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void NotSupported(string message) => throw new CheckNotSupportedException(message);

    /// <summary>The value of a call the check needs to succeed; NotSupported answers end the check as NotSupported.</summary>
    public T Ok<T>(Result<T> result, string what)
    {
        if (result.IsOk) return result.Value;
        if (result.Error.Kind == AdapterErrorKind.NotSupported) throw new CheckNotSupportedException($"{what}: {result.Error}", answeredByAdapter: true);
        Fail($"{what} failed: {result.Error}");
        return default!;
    }

    public void Ok(Result result, string what)
    {
        if (result.IsOk) return;
        if (result.Error.Kind == AdapterErrorKind.NotSupported) throw new CheckNotSupportedException($"{what}: {result.Error}", answeredByAdapter: true);
        Fail($"{what} failed: {result.Error}");
    }

    /// <summary>The call must have been refused with one of <paramref name="kinds"/>.</summary>
    public void Refused(Result result, string what, params AdapterErrorKind[] kinds)
    {
        if (result.IsOk) Fail($"{what} succeeded; it must be refused with {string.Join(" or ", kinds)}");
        if (!kinds.Contains(result.Error.Kind)) Fail($"{what} was refused with {result.Error.Kind} ({result.Error.Errno}); it must be {string.Join(" or ", kinds)}");
    }

    /// <summary>No isolation violation may have happened (canaries, interrupts).</summary>
    public void NoViolations(IsolationWatch watch, string after, GuestHarness? attacker = null)
    {
        var v = watch.Violations(attacker);
        if (v.Count > 0) Fail($"after {after}: {string.Join("; ", v.Take(4))}{(v.Count > 4 ? $" (+{v.Count - 4} more)" : "")}");
    }
}

/// <summary>A running scenario: the machine, the adapter, and the guests the check created.</summary>
public sealed class World(CheckContext context, Scenario scenario, IHostAdapter adapter) : IAsyncDisposable
{
    private uint _nextVcpu = 1;

    public Scenario Scenario { get; } = scenario;
    public IHostAdapter Adapter { get; } = adapter;
    public List<GuestHarness> Guests { get; } = [];

    /// <summary>Creates a guest with <paramref name="vcpus"/> dedicated host CPUs and 1 MiB of memory.</summary>
    public async Task<GuestHarness> GuestAsync(string name, int vcpus = 2, ulong memory = 1UL << 20)
    {
        var ids = Enumerable.Range(0, vcpus).Select(_ => _nextVcpu++).ToList();
        var g = context.Ok(await Adapter.CreateGuestAsync(new GuestConfig(name, memory, ids), context.Cancellation).ConfigureAwait(false), $"creating guest {name}");
        context.Step($"created guest {name} ({memory >> 10} KiB, vCPUs {string.Join(",", ids)})");
        var h = new GuestHarness(Scenario, g);
        Guests.Add(h);
        return h;
    }

    /// <summary>
    /// On a platform with PE error state (POWER EEH), a blocked DMA freezes the PE until recovery; a check that goes
    /// on using the device after an expected block runs the owner's recovery sequence (GET_STATE, UNFREEZE_IO,
    /// RESET, CONFIGURE: vfio.rst) first. Nothing happens without <c>pe.recovery</c> or when the PE is Normal.
    /// </summary>
    public async Task RecoverIfFrozenAsync(GuestHarness guest, int group)
    {
        if (guest.Guest.Recovery is not { } recovery) return;
        var state = context.Ok(recovery.GetState(group), "GET_STATE");
        if (state == PeState.Normal) return;
        context.Step($"{guest.Guest.Name}'s PE {group} is {state}: recovering (UNFREEZE_IO, RESET, CONFIGURE)");
        context.Ok(recovery.Unfreeze(group, dma: false), "UNFREEZE_IO");
        context.Ok(await recovery.ResetAsync(group, fundamental: false, context.Cancellation).ConfigureAwait(false), "RESET_HOT");
        context.Ok(recovery.Configure(group), "CONFIGURE");
    }

    public async Task AttachAsync(GuestHarness guest, int group)
    {
        context.Ok(await guest.Guest.AttachGroupAsync(group, context.Cancellation).ConfigureAwait(false), $"{guest.Name} attaching group {group}");
        context.Step($"{guest.Name} attached group {group} ({string.Join(", ", Scenario.Facts.Group(group)!.Devices)})");
    }

    public int GroupOf(Bdf bdf) => Scenario.Facts.GroupOf(bdf)!.Id;

    /// <summary>Writes <paramref name="pattern"/> into a fresh buffer through the guest's CPU and maps it for the device.</summary>
    public async Task<(ulong Gpa, ulong Bus)> MappedBufferAsync(GuestHarness guest, Bdf device, byte[] pattern, DmaAccess access = DmaAccess.ReadWrite)
    {
        ulong gpa = guest.AllocateBuffer((ulong)pattern.Length);
        context.Ensure(guest.Write(gpa, pattern), $"{guest.Name}'s CPU cannot write its own memory at guest-physical 0x{gpa:x}: the CPU map has no RAM there");
        ulong bus = context.Ok(await guest.Dma.MapAsync(device, Scenario.Function(device).DmaMaskBits, gpa, (ulong)pattern.Length, access, context.Cancellation).ConfigureAwait(false),
            $"{guest.Name} mapping guest-physical 0x{gpa:x}+0x{pattern.Length:x} for {device}");
        context.Step($"{guest.Name} mapped guest-physical 0x{gpa:x}+0x{pattern.Length:x} for {device} at bus address 0x{bus:x}");
        return (gpa, bus);
    }

    /// <summary>Routes MSI-X entry <paramref name="index"/> of <paramref name="device"/> to the guest's first vCPU.</summary>
    public async Task<GuestVector> RouteAsync(GuestHarness guest, Bdf device, int index, int vector)
    {
        var target = new GuestVector(guest.Guest.Config.Vcpus[0], vector);
        context.Ok(await guest.Guest.RouteMsixAsync(device, index, target, context.Cancellation).ConfigureAwait(false), $"{guest.Name} routing {device} MSI-X {index}");
        guest.AddConfigured(target);
        context.Step($"{guest.Name} routed {device} MSI-X entry {index} to vCPU {target.Vcpu} vector {vector}");
        return target;
    }

    public IsolationWatch Watch(int hostPages = 4) => new(Scenario, Guests, hostPages);

    public async ValueTask DisposeAsync()
    {
        await Adapter.DisposeAsync().ConfigureAwait(false);
    }
}
