using Conformance.Reference.Platform;
using Conformance.Reference.Power;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;
using Conformance.Reference.Vectors;

namespace Conformance.Reference.Tests.Power;

/// <summary>
/// Plugs platform <c>power-phb</c> into the vector runner: units through <see cref="PhbConfig.Read"/>, the machine
/// through <see cref="PowerPlatform.Attach"/>, <c>opal</c> steps through <see cref="OpalPci.Call(string, IReadOnlyList{ulong})"/>.
/// (Kept beside the tests until the runner registers it; it uses only the public POWER API.)
/// </summary>
public sealed class PowerVectorPlatform : IVectorPlatform
{
    public string Name => "power-phb";

    /// <summary>A PHB's M32/M64 windows translate CPU addresses to PCI addresses: no identity host windows.</summary>
    public bool IdentityHostWindows => false;

    public object? ReadUnits(JsonValue? units, TopologySpec topology)
    {
        if (units is null || units.Items.Count == 0) throw new InputException(topology.File ?? "<vector>", 1, 0, "platform \"power-phb\" needs at least one PHB unit");
        var configs = new List<PhbConfig>();
        foreach (var u in units.Items)
        {
            var c = PhbConfig.Read(u);
            if (configs.Any(o => o.PhbId == c.PhbId)) throw u.Error($"phb_id {c.PhbId} is used twice");
            if (configs.Any(o => o.Segment == c.Segment)) throw u.Error($"two PHBs root PCI segment {c.Segment}");
            configs.Add(c);
        }
        return configs;
    }

    public void ValidateStep(VectorStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.Op != "opal") return;
        var call = step.Node.Require("call");
        int given = step.Node.Get("args")?.Items.Count ?? 0;
        if (Enum.TryParse<OpalToken>(call.AsString(), out var token) && OpalPci.ArgumentCount(token) is int n and > 0 && n != given)
            throw call.Error($"{token} takes {n} arguments (out-parameters left out), not {given}");
    }

    public IVectorSession Attach(Machine machine, object? config, TopologySpec topology)
    {
        var platform = PowerPlatform.Attach(machine, (IReadOnlyList<PhbConfig>)config!, topology);
        return new Session(platform.Opal);
    }

    private sealed class Session(OpalPci opal) : IVectorSession
    {
        public bool TryFirmwareCall(string call, IReadOnlyList<ulong> args, out long rc, out IReadOnlyList<ulong> outs)
        {
            var r = opal.Call(call, args);
            rc = r.Rc;
            outs = r.Out;
            return true;
        }
    }

    /// <summary>The runner's platforms plus this one.</summary>
    public static IReadOnlyDictionary<string, IVectorPlatform> WithDefaults() =>
        VectorSuite.DefaultPlatforms.Values.Append(new PowerVectorPlatform()).ToDictionary(p => p.Name, StringComparer.Ordinal);
}
