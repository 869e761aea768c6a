using Conformance.Reference.AmdVi;
using Conformance.Reference.IntelVtd;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Vectors;

/// <summary>Platform <c>intel-vtd</c>: DMAR units with their device scopes (formats.md §4 VT-d unit fields).</summary>
public sealed class VtdVectorPlatform : IVectorPlatform
{
    public string Name => "intel-vtd";

    public object? ReadUnits(JsonValue? units, TopologySpec topology)
    {
        if (units is null || units.Items.Count == 0)
            throw new InputException(topology.File ?? "<vector>", 1, 0, "platform \"intel-vtd\" needs at least one DMAR unit in \"units\"");
        var configs = VtdUnitConfig.ReadAll(units);
        foreach (var (config, node) in configs.Zip(units.Items))
        {
            foreach (var bdf in config.Scope)
            {
                if (!topology.Devices.Any(d => d.Bdf == bdf))
                    throw (node.Get("scope") ?? node).Error($"scope names {bdf}, which is not in the vector's topology");
            }
        }
        return configs;
    }

    public IVectorSession Attach(Machine machine, object? config, TopologySpec topology)
    {
        VtdPlatform.Attach(machine, (IReadOnlyList<VtdUnitConfig>)config!);
        return new NoFirmware();
    }

    private sealed class NoFirmware : IVectorSession;
}

/// <summary>Platform <c>power-phb</c>: PHB4 units driven through OPAL calls (formats.md §4 POWER units, <c>opal</c> steps).</summary>
public sealed class PowerVectorPlatform : IVectorPlatform
{
    public string Name => "power-phb";

    /// <summary>The PHB's M32/M64 windows translate CPU addresses to PCI addresses: no identity host windows.</summary>
    public bool IdentityHostWindows => false;

    public object? ReadUnits(JsonValue? units, TopologySpec topology)
    {
        if (units is null || units.Items.Count == 0)
            throw new InputException(topology.File ?? "<vector>", 1, 0, "platform \"power-phb\" needs at least one PHB in \"units\"");
        var list = new List<PhbConfig>();
        foreach (var u in units.Items)
        {
            var c = PhbConfig.Read(u);
            if (list.Any(o => o.PhbId == c.PhbId)) throw (u.Get("phb_id") ?? u).Error($"phb_id {c.PhbId} is used twice");
            if (list.Any(o => o.Segment == c.Segment)) throw u.Error($"two PHBs root PCI segment {c.Segment}");
            list.Add(c);
        }
        return list;
    }

    public void ValidateStep(VectorStep step)
    {
        if (step.Op != "opal") return;
        var call = step.Node.Require("call");
        // An unknown name is a legitimate test (firmware answers OPAL_PARAMETER for a bad token); a known call with
        // the wrong number of arguments is a malformed vector.
        if (Enum.TryParse<OpalToken>(call.AsString(), out var token))
        {
            int n = OpalPci.ArgumentCount(token);
            int given = step.Node.Get("args")?.Items.Count ?? 0;
            if (n > 0 && n != given)
                throw (step.Node.Get("args") ?? call).Error($"{token} takes {n} arguments (out-parameters left out), {given} given");
        }
    }

    public IVectorSession Attach(Machine machine, object? config, TopologySpec topology) =>
        new Session(PowerPlatform.Attach(machine, (IReadOnlyList<PhbConfig>)config!, topology));

    private sealed class Session(PowerPlatform platform) : IVectorSession
    {
        public bool TryFirmwareCall(string call, IReadOnlyList<ulong> args, out long rc, out IReadOnlyList<ulong> outs)
        {
            var r = platform.Opal.Call(call, args);
            rc = r.Rc;
            outs = r.Out;
            return true;
        }
    }
}

/// <summary>Platform <c>amd-vi</c>: AMD IOMMUs with <c>levels</c>, <c>gt</c> and an optional <c>scope</c> (formats.md §4 AMD-Vi unit fields).</summary>
public sealed class AmdViVectorPlatform : IVectorPlatform
{
    public string Name => "amd-vi";

    public object? ReadUnits(JsonValue? units, TopologySpec topology)
    {
        if (units is null || units.Items.Count == 0)
            throw new InputException(topology.File ?? "<vector>", 1, 0, "platform \"amd-vi\" needs at least one IOMMU in \"units\"");
        var configs = AmdViUnitConfig.ReadAll(units);
        foreach (var (config, node) in configs.Zip(units.Items))
        {
            foreach (var bdf in config.Scope)
            {
                if (!topology.Devices.Any(d => d.Bdf == bdf))
                    throw (node.Get("scope") ?? node).Error($"scope names {bdf}, which is not in the vector's topology");
            }
        }
        return configs;
    }

    public IVectorSession Attach(Machine machine, object? config, TopologySpec topology)
    {
        AmdViPlatform.Attach(machine, (IReadOnlyList<AmdViUnitConfig>)config!);
        return new NoFirmware();
    }

    private sealed class NoFirmware : IVectorSession;
}
