using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK002: ownership is per isolation group, never per device.</summary>
public sealed class DeviceGranularOwnershipTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Conformance.Adapters;
        using Conformance.Adapters.Platform;
        using Conformance.Reference.Pci;

        """;

    /// <summary>A driver's per-device primitive: point a device's context entry at a domain (VT-d §3.4.3).</summary>
    private const string Driver = """

        public sealed class ContextProgrammer(IPlatformAccess platform)
        {
            public bool AttachDevice(Bdf device, ushort domain) => platform.Memory.TryWriteLe(0x10_0000UL + device.RequesterId * 16UL, 8, domain);
            public bool DetachDevice(Bdf device) => platform.Memory.TryWriteLe(0x10_0000UL + device.RequesterId * 16UL, 8, 1);
            public bool Viable(Bdf device) => platform.Facts.Device(device) is not null;
        }
        """;

    private static Task Check(string source) => Verify<DeviceGranularOwnershipAnalyzer>.Analyzer(Usings + source + Driver);

    // ---- positive -------------------------------------------------------------------------------

    [Fact]
    public Task Attaching_only_the_first_device_of_a_group_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class LazyAttach(IPlatformAccess platform, ContextProgrammer ctx)
        {
            public Result Attach(int groupId, ushort domain)
            {
                var group = platform.Facts.Group(groupId);
                if (group is null) return AdapterError.NotFound($"group {groupId}");
                var primary = {|DAK002:group.Devices[0]|};
                return {|DAK002:ctx.AttachDevice(primary, domain)|} ? Result.Ok : AdapterError.Invalid("context write failed");
            }
        }
        """);

    [Fact]
    public Task Handing_over_a_single_device_is_flagged() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class DeviceAssigner(ContextProgrammer ctx)
        {
            public bool AssignToGuest(Bdf device, ushort guestDomain) => {|DAK002:ctx.AttachDevice(device, guestDomain)|};
            public void ReturnToHost(Bdf device) => {|DAK002:ctx.DetachDevice(device)|};
        }
        """);

    [Fact]
    public Task A_group_attach_that_stops_half_way_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class EagerAttach(IPlatformAccess platform, ContextProgrammer ctx)
        {
            public Result Attach(int groupId, ushort domain)
            {
                var group = platform.Facts.Group(groupId)!;
                foreach (var d in group.Devices)
                {
                    if (!ctx.Viable(d)) {|DAK002:return AdapterError.Permission($"{d} is not viable");|}
                    if (!ctx.AttachDevice(d, domain)) {|DAK002:break;|}
                }
                return Result.Ok;
            }
        }
        """);

    [Fact]
    public Task A_secondary_bus_reset_without_looking_at_the_reset_scope_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public sealed class BusReset(IPlatformAccess platform)
        {
            public void Reset(Bdf bridge)
            {
                uint ctl = platform.Config.Read(bridge, PciConfigRegisters.BridgeControl, 2);
                {|DAK002:platform.Config.Write(bridge, PciConfigRegisters.BridgeControl, 2, ctl | PciConfigRegisters.SecondaryBusReset)|};
                platform.Relax(100);
                platform.Config.Write(bridge, PciConfigRegisters.BridgeControl, 2, ctl);
            }
            public void ResetRaw(Bdf bridge) => {|DAK002:platform.Config.Write(bridge, 0x3E, 2, 0x40)|};
        }
        """);

    [Fact]
    public Task Resetting_or_releasing_one_chosen_member_of_a_group_is_flagged() => Check("""
        namespace Conformance.Adapters.Power;
        public sealed class PeRelease(IPlatformAccess platform, ContextProgrammer ctx)
        {
            public void Release(IsolationGroup pe) => {|DAK002:ctx.DetachDevice({|DAK002:pe.Devices.First()|})|};
            public Bdf Leader(IsolationGroup pe) => {|DAK002:pe.Devices.Last()|};
        }
        """);

    // ---- negative -------------------------------------------------------------------------------

    [Fact]
    public Task Attaching_every_device_of_the_group_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class GroupAttach(IPlatformAccess platform, ContextProgrammer ctx)
        {
            public bool Attach(IsolationGroup group, ushort domain)
            {
                bool ok = true;
                foreach (var d in group.Devices) ok &= ctx.AttachDevice(d, domain);
                return ok;
            }
        }
        """);

    [Fact]
    public Task Checking_every_device_before_attaching_any_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class CheckedAttach(IPlatformAccess platform, ContextProgrammer ctx)
        {
            public Result Attach(int groupId, ushort domain)
            {
                var group = platform.Facts.Group(groupId);
                if (group is null) return AdapterError.NotFound($"group {groupId}");
                if (!group.Viable) return AdapterError.Permission($"group {groupId} is not viable");
                foreach (var d in group.Devices)
                    if (!ctx.Viable(d)) return AdapterError.Permission($"{d} is not viable");
                foreach (var d in group.Devices)
                    ctx.AttachDevice(d, domain);
                return Result.Ok;
            }
        }
        """);

    [Fact]
    public Task A_bus_reset_that_checks_the_reset_scope_is_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class ScopedBusReset(IPlatformAccess platform, Func<int, bool> ownsGroup)
        {
            public Result Reset(Bdf device, Bdf bridge)
            {
                foreach (var f in platform.Facts.HotResetScope(device))
                    if (platform.Facts.GroupOf(f) is { } g && !ownsGroup(g.Id)) return AdapterError.Invalid($"{f} is in group {g.Id}, not owned");
                uint ctl = platform.Config.Read(bridge, PciConfigRegisters.BridgeControl, 2);
                platform.Config.Write(bridge, PciConfigRegisters.BridgeControl, 2, ctl | PciConfigRegisters.SecondaryBusReset);
                platform.Config.Write(bridge, PciConfigRegisters.BridgeControl, 2, ctl);
                return Result.Ok;
            }
        }
        """);

    [Fact]
    public Task A_function_level_reset_of_one_device_is_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class Flr(IPlatformAccess platform)
        {
            public void Reset(Bdf device, int pcieCap)
            {
                uint ctl = platform.Config.Read(device, pcieCap + PciConfigRegisters.DeviceControl, 2);
                platform.Config.Write(device, pcieCap + PciConfigRegisters.DeviceControl, 2, ctl | PciConfigRegisters.InitiateFlr);
            }
        }
        """);

    [Fact]
    public Task Asking_about_a_groups_members_and_attaching_by_group_id_is_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class Vmm(IGuest guest)
        {
            public async Task<Result> Give(IsolationGroup group, Bdf wanted, CancellationToken ct)
            {
                if (!group.Devices.Contains(wanted) || group.Devices.Count == 0) return AdapterError.NotFound($"{wanted}");
                if (group.Devices.All(d => d.Segment == wanted.Segment)) return await guest.AttachGroupAsync(group.Id, ct);
                return AdapterError.Invalid("mixed segments");
            }
        }
        """);
}
