using CsCheck;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

/// <summary>
/// Whatever software programs — random TVEs, random bits in TCE tables (with pointers back into them), random OPAL calls
/// with random arguments, random register writes — every DMA, MSI and CPU access ends in an architected outcome, and
/// an error freezes only the PE that caused it and the PEs in that PE's PELT-V.
/// </summary>
public class PhbRobustnessPropertyTests
{
    private const ulong Arena = 0x100_0000;      // TCE tables live here (64 KiB)
    private const ulong ArenaSize = 0x1_0000;

    private static readonly Bdf[] Requesters =
        [PowerRig.DevA, PowerRig.DevB, PowerRig.Down1, PowerRig.Upstream, PowerRig.RootPort, Bdf.Parse("0000:07:00.0")];

    private static readonly OpalToken[] Calls = Enum.GetValues<OpalToken>();

    /// <summary>One step: what (0 DMA, 1 MSI, 2 CPU, 3 OPAL call, 4 register write, 5 memory word) and three raw words.</summary>
    public readonly record struct Step(int What, ulong A, ulong B, ulong C);

    private static readonly Gen<ulong> Word = Gen.OneOf(
        Gen.ULong,
        Gen.ULong[0, 0x1_0000],
        Gen.ULong[0, 0x40_0000].Select(x => Arena | (x & (ArenaSize - 1) & ~7UL) | (x >> 20 & 3)), // pointer into the arena with R/W bits
        Gen.ULong[0, 1024].Select(x => (x & 1) << 59 | (x << 12)));                                 // small DMA offsets, either window

    private static readonly Gen<Step> StepGen =
        Gen.Select(Gen.Int[0, 5], Word, Word, Word).Select((w, a, b, c) => new Step(w, a, b, c));

    private static readonly Gen<(ulong[] Tves, ulong[] Tces, Step[] Steps)> Scenario =
        Gen.Select(
            Gen.Select(Gen.Int[1, 7], Gen.Int[0, 31], Gen.OneOf(Gen.Int[0, 3].Select(i => i switch { 0 => 1, 1 => 5, 2 => 10, _ => 19 }), Gen.Int[0, 31]), Word)
                .Select((lv, tts, ps, raw) => (raw & 1) == 0 ? Tve.Translating(Arena, lv, tts % 8, ps).Raw : raw).Array[4],
            Word.Array[64],
            StepGen.Array[1, 40]);

    [Fact]
    public void Random_programming_never_throws_and_an_error_freezes_only_its_PE_and_its_PELT_V()
    {
        Scenario.Sample(s => Run(s.Tves, s.Tces, s.Steps), iter: 200, threads: 1, seed: "0N0XIzNsQ0O2");
    }

    private static void Run(ulong[] tves, ulong[] tces, Step[] steps)
    {
        var rig = new PowerRig();
        var phb = rig.Phb;
        int[] pes = [PowerRig.PeA, PowerRig.PeB, PowerRig.PeBus2, PowerRig.PeRoot];
        for (int i = 0; i < tves.Length; i++) phb.Tvt[pes[i] * 2 + (i & 1)] = new Tve(tves[i]);
        for (int i = 0; i < tces.Length; i++) Assert.True(rig.Memory.TryWriteBe(Arena + (ulong)(i * 997 * 8 % (int)ArenaSize & ~7), 8, tces[i]));

        foreach (var step in steps)
        {
            var before = Enumerable.Range(0, phb.NumPes).Where(phb.Pest.Peev).ToHashSet();
            int culprit = -1;
            switch (step.What)
            {
                case 0:
                {
                    var dev = Requesters[(int)(step.C % (ulong)Requesters.Length)];
                    culprit = phb.PeOf(dev.RequesterId);
                    var buf = new byte[(int)((step.C >> 8) % 64) + 1];
                    var dir = (step.C & 0x80) != 0 ? DmaDirection.Write : DmaDirection.Read;
                    var o = rig.Machine.Dma(dev, step.A, buf, dir);
                    Assert.True(o.Kind is DmaResultKind.Ok or DmaResultKind.Frozen or DmaResultKind.Abort or DmaResultKind.Interrupt, o.Kind.ToString());
                    if (o.Kind == DmaResultKind.Frozen)
                    {
                        Assert.Equal(culprit, o.Pe);
                        Assert.True(phb.Pest.DmaStopped(o.Pe));
                    }
                    if (o.Kind == DmaResultKind.Ok) Assert.False(phb.Pest.DmaStopped(culprit));
                    break;
                }
                case 1:
                {
                    var dev = Requesters[(int)(step.C % (ulong)Requesters.Length)];
                    var o = rig.Machine.Msi(dev, step.A, (uint)step.B);
                    Assert.True(o.Kind is InterruptResultKind.Delivered or InterruptResultKind.Blocked);
                    if (o.Kind == InterruptResultKind.Delivered) Assert.Equal(phb.PeOf(dev.RequesterId), phb.Msi.OwnerPe(o.Vector));
                    break;
                }
                case 2:
                {
                    // Somewhere in M32 or M64 (CPU side).
                    ulong cpu = (step.C & 1) == 0 ? PowerRig.M32Cpu + step.A % 0x8000_0000 : PowerRig.M64Cpu + step.A % (64UL << 30);
                    cpu &= ~7UL;
                    culprit = phb.PeOfCpuAddress(cpu);
                    int width = 1 << (int)(step.B % 4);
                    if ((step.C & 2) == 0) rig.Machine.CpuRead(cpu, width);
                    else rig.Machine.CpuWrite(cpu, width, step.B);
                    break;
                }
                case 3:
                {
                    var token = Calls[(int)(step.A % (ulong)Calls.Length)];
                    int n = OpalPci.ArgumentCount(token);
                    var args = new ulong[n];
                    for (int i = 0; i < n; i++) args[i] = i == 0 ? step.B % 2 : Small(step.C, i, step.B);
                    var r = rig.Opal.Call(token, args);
                    Assert.Contains(r.Rc, new long[] { 0, -1, -3, -6, -7 });
                    continue; // firmware calls may freeze or unfreeze on purpose
                }
                case 4:
                    rig.Machine.CpuWrite(0x6030_0000_0000 + (step.A & 0x1ff8), 8, step.B);
                    break;
                default:
                    Assert.True(rig.Memory.TryWriteBe(Arena + (step.A & (ArenaSize - 8)), 8, step.B));
                    break;
            }
            var newlyFrozen = Enumerable.Range(0, phb.NumPes).Where(phb.Pest.Peev).Where(p => !before.Contains(p)).ToList();
            if (newlyFrozen.Count == 0) continue;
            Assert.True(culprit >= 0, $"step {step} froze {string.Join(',', newlyFrozen)} with no culprit PE");
            var allowed = phb.Peltv.Members(culprit).Append(culprit).ToHashSet();
            Assert.All(newlyFrozen, p => Assert.Contains(p, allowed));
        }
    }

    /// <summary>Argument i of a random call: mostly small values (PE numbers, window ids, tokens), sometimes raw bits.</summary>
    private static ulong Small(ulong c, int i, ulong b)
    {
        ulong x = (c >> (i * 7)) ^ (b * (ulong)(i + 1));
        return (x & 3) switch { 0 => x >> 2, 1 => (x >> 2) % 8, 2 => (x >> 2) % 1030, _ => ((x >> 2) % 16) << 12 | Arena };
    }
}
