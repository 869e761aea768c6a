using CsCheck;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

/// <summary>
/// Whatever software programs — random TVEs, random bits in TCE tables (with pointers back into them), random OPAL calls
/// with random arguments, random register writes, random EAS words — every DMA, MSI and CPU access ends in an
/// architected outcome, an error freezes only the PE that caused it and the PEs in that PE's PELT-V, and an MSI reaches
/// only the VP, with the EQ data, that the EAS of a source of the sender's own PE names.
/// </summary>
public class PhbRobustnessPropertyTests
{
    private const ulong Arena = 0x100_0000;      // TCE tables live here (64 KiB)
    private const ulong ArenaSize = 0x1_0000;

    private static readonly Bdf[] Requesters =
        [PowerRig.DevA, PowerRig.DevB, PowerRig.Down1, PowerRig.Upstream, PowerRig.RootPort, Bdf.Parse("0000:07:00.0")];

    private static readonly OpalToken[] Calls = Enum.GetValues<OpalToken>();

    /// <summary>One step: what (0 DMA, 1 MSI, 2 CPU, 3 OPAL call, 4 register write, 5 memory word, 6 EAS word) and three raw words.</summary>
    public readonly record struct Step(int What, ulong A, ulong B, ulong C);

    private static readonly Gen<ulong> Word = Gen.OneOf(
        Gen.ULong,
        Gen.ULong[0, 0x1_0000],
        Gen.ULong[0, 0x40_0000].Select(x => Arena | (x & (ArenaSize - 1) & ~7UL) | (x >> 20 & 3)), // pointer into the arena with R/W bits
        Gen.ULong[0, 1024].Select(x => (x & 1) << 59 | (x << 12)));                                 // small DMA offsets, either window

    private static readonly Gen<Step> StepGen =
        Gen.Select(Gen.Int[0, 6], Word, Word, Word).Select((w, a, b, c) => new Step(w, a, b, c));

    private static readonly Gen<(ulong[] Tves, ulong[] Tces, Step[] Steps)> Scenario =
        Gen.Select(
            Gen.Select(Gen.Int[1, 7], Gen.Int[0, 31], Gen.OneOf(Gen.Int[0, 3].Select(i => i switch { 0 => 1, 1 => 5, 2 => 10, _ => 19 }), Gen.Int[0, 31]), Word)
                .Select((lv, tts, ps, raw) => (raw & 1) == 0 ? Tve.Translating(Arena, lv, tts % 8, ps).Raw : raw).Array[4],
            Word.Array[64],
            StepGen.Array[1, 40]);

    [Fact]
    public void Random_programming_never_throws_and_an_error_freezes_only_its_PE_and_its_PELT_V()
    {
        int delivered = 0;
        Scenario.Sample(s => delivered += Run(s.Tves, s.Tces, s.Steps), iter: 200, threads: 1, seed: "0N0XIzNsQ0O2");
        Assert.True(delivered > 0, "no random MSI was ever delivered: the interrupt half of the property was not exercised");
    }

    private static int Run(ulong[] tves, ulong[] tces, Step[] steps)
    {
        var rig = new PowerRig();
        var phb = rig.Phb;
        int delivered = 0;
        // Sources 0..63 start as device A's (PE 507), routed to VP = source, lirq = 0x100 + source; the steps may change both.
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(OpalRc.Success, rig.Opal.SetXivePe(PowerRig.PhbId, PowerRig.PeA, (uint)i));
            Assert.Equal(OpalRc.Success, rig.Opal.Xive.SetIrqConfig(phb.Girq(i), (ulong)i, 6, 0x100 + (ulong)i));
        }
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
                    // Half the time a real MSI address of a random source (32- or 64-bit window), with random data.
                    ulong src = (step.C & 0x400) == 0 ? step.A % 64 : step.A % 4096;
                    ulong address = (step.C & 0x100) == 0 ? step.A
                        : (step.C & 0x200) == 0 ? 0xffff_0000UL | ((src << 4) & 0xfe0f) : (1UL << 60) | ((src << 4) & 0xf_fe0f);
                    var o = rig.Machine.Msi(dev, address, (uint)step.B);
                    Assert.True(o.Kind is InterruptResultKind.Delivered or InterruptResultKind.Blocked);
                    if (o.Kind == InterruptResultKind.Delivered) { AssertNamedByOwnEas(phb, dev, address, (uint)step.B, o); delivered++; }
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
                    // The XIVE calls take a girq first: mostly one of the PHB's, sometimes raw bits.
                    if (token is OpalToken.OPAL_XIVE_SET_IRQ_CONFIG or OpalToken.OPAL_XIVE_GET_IRQ_CONFIG)
                        args[0] = (step.B & 7) == 0 ? step.B : phb.Girq((int)(step.B % 4096));
                    var r = rig.Opal.Call(token, args);
                    // OPAL_PCI_RESET and OPAL_PCI_POLL answer a positive delay (ms) while a slot reset is in progress.
                    bool delay = r.Rc > 0 && token is OpalToken.OPAL_PCI_RESET or OpalToken.OPAL_PCI_POLL;
                    Assert.True(delay || r.Rc is 0 or -1 or -3 or -6 or -7, $"{token} answered {r.Rc}");
                    continue; // firmware calls may freeze or unfreeze on purpose
                }
                case 4:
                    rig.Machine.CpuWrite(0x6030_0000_0000 + (step.A & 0x1ff8), 8, step.B);
                    break;
                case 5:
                    Assert.True(rig.Memory.TryWriteBe(Arena + (step.A & (ArenaSize - 8)), 8, step.B));
                    break;
                default:
                {
                    // Random EAS contents: raw bits, or valid with a random mask bit, END (VP beyond the threads too) and data.
                    ulong raw = (step.C & 3) == 0 ? step.B
                        : Eas.ValidBit | (((step.C >> 2) & 1) << 31) | (((step.C >> 3) % 0x1_0000) << 32) | (step.B & Eas.EndDataMask);
                    phb.Xive[phb.Girq((int)(step.A % ((step.C & 0x400) == 0 ? 64UL : 4096UL)))] = new Eas(raw);
                    break;
                }
            }
            var newlyFrozen = Enumerable.Range(0, phb.NumPes).Where(phb.Pest.Peev).Where(p => !before.Contains(p)).ToList();
            if (newlyFrozen.Count == 0) continue;
            Assert.True(culprit >= 0, $"step {step} froze {string.Join(',', newlyFrozen)} with no culprit PE");
            var allowed = phb.Peltv.Members(culprit).Append(culprit).ToHashSet();
            Assert.All(newlyFrozen, p => Assert.Contains(p, allowed));
        }
        return delivered;
    }

    /// <summary>
    /// A delivered MSI came from a source (computed here from the PHB4 MSI address layout, skiboot phb4_get_msi_32/64)
    /// whose MIST PE is the sender's and whose EAS — valid, unmasked, END block 0 — names exactly the VP (END index / 8)
    /// and the EQ data that were delivered.
    /// </summary>
    private static void AssertNamedByOwnEas(Phb4 phb, Bdf dev, ulong address, uint data, InterruptOutcome o)
    {
        ulong offset = (address >> 16) == 0xffff ? address & 0xffff : address & 0xf_ffff;
        int source = (int)(((offset >> 4) & 0xffff) | (data & 0x1f));
        Assert.InRange(source, 0, phb.Msi.MsiCount - 1);
        Assert.Equal(phb.PeOf(dev.RequesterId), phb.Msi.OwnerPe(source));
        ulong eas = phb.Xive[phb.Config.EffectiveIrqBase + (uint)source].Raw;
        Assert.True((eas >> 63) == 1 && (eas & (1UL << 31)) == 0 && ((eas >> 56) & 0xf) == 0, $"EAS 0x{eas:x16} is not valid and unmasked");
        Assert.Equal((uint)((eas >> 32) & 0xff_ffff) >> 3, o.Destination);
        Assert.Equal((int)(eas & 0x7fff_ffff), o.Vector);
    }

    /// <summary>Argument i of a random call: mostly small values (PE numbers, window ids, tokens), sometimes raw bits.</summary>
    private static ulong Small(ulong c, int i, ulong b)
    {
        ulong x = (c >> (i * 7)) ^ (b * (ulong)(i + 1));
        return (x & 3) switch { 0 => x >> 2, 1 => (x >> 2) % 8, 2 => (x >> 2) % 1030, _ => ((x >> 2) % 16) << 12 | Arena };
    }
}
