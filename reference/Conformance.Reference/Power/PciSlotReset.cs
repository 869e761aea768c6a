namespace Conformance.Reference.Power;

/// <summary>skiboot include/phb4.h PHB4_SLOT_*: the states of the PHB (root complex) slot's reset state machine.</summary>
public enum Phb4SlotState : uint
{
    Normal = 0x000,
    LinkStart = 0x101,
    LinkWaitElectrical = 0x102,
    LinkWait = 0x103,
    LinkStable = 0x104,
    HresetStart = 0x201,
    HresetDelay = 0x202,
    HresetDelay2 = 0x203,
    FresetStart = 0x301,
    FresetAssertDelay = 0x302,
    CresetStart = 0x401,
    CresetWaitCq = 0x402,
    CresetReinit = 0x403,
    CresetFreset = 0x404,
}

/// <summary>skiboot include/pci-slot.h PCI_SLOT_STATE_*: the states of a PCIe port slot's (core/pcie-slot.c) state machine.</summary>
public enum PcieSlotState : uint
{
    Normal = 0x000,
    LinkStartPoll = 0x101,
    LinkDelayFinalized = 0x102,
    LinkPolling = 0x103,
    HresetStart = 0x201,
    HresetHold = 0x202,
    FresetPowerOff = 0x301,
}

/// <summary>
/// A slot's reset state machine, skiboot core/pci-slot.c <c>pci_slot_run_sm</c> over the slot ops: for the PHB slot
/// hw/phb4.c <c>phb4_hreset</c>, <c>phb4_freset</c>, <c>phb4_creset</c>, <c>phb4_poll_link</c>; for a root or
/// downstream port slot core/pcie-slot.c <c>pcie_slot_sm_hreset</c>, <c>pcie_slot_sm_freset</c>,
/// <c>pcie_slot_sm_poll_link</c>. Each op returns a delay (ms; the model's timebase is the firmware clock in
/// milliseconds, so skiboot's <c>tb_to_msecs</c> is the identity), 0 when done, or a negative OPAL code.
/// <para>The model's hardware answers at once: an adapter is always present, the electrical link and training
/// succeed on the first check, the PHB's CQ is idle, ports report Data Link Layer Link Active (PCIe Base §7.5.3.6:
/// required for ports above 5 GT/s) and port slots have a power controller, so a fundamental reset of a port slot
/// powers it off and on. Retries, degraded links and the PHB-broken path are not reached.</para>
/// </summary>
public sealed class PciSlotReset
{
    private readonly OpalPci.Slot _slot;
    private readonly Func<long> _now;
    private long _delayTarget;
    private long _cresetStart;
    private bool _skipPerst;
    private bool _holding;

    internal PciSlotReset(OpalPci.Slot slot, Func<long> now)
    {
        _slot = slot;
        _now = now;
    }

    /// <summary>The raw state (<see cref="Phb4SlotState"/> for the PHB slot, <see cref="PcieSlotState"/> for a port slot).</summary>
    public uint State { get; private set; }

    /// <summary>Whether a reset is in progress (the state machine is not back in NORMAL).</summary>
    public bool InProgress => State != 0;

    /// <summary>The retry counter skiboot keeps in <c>slot-&gt;retries</c>.</summary>
    public int Retries { get; private set; }

    private bool IsPhbSlot => _slot.Port is null;
    private Phb4 Phb => _slot.Phb;
    private int Secondary => IsPhbSlot ? 1 : _slot.Secondary;
    private int Subordinate => IsPhbSlot ? 255 : _slot.Subordinate;

    /// <summary><c>pci_slot_set_sm_timeout</c>: the target is now + duration; the duration is returned.</summary>
    private long Timeout(long ms)
    {
        _delayTarget = _now() + ms;
        return ms;
    }

    /// <summary><c>pci_slot_set_state</c>; returning to NORMAL releases the functions held in reset.</summary>
    private void SetState(uint state)
    {
        State = state;
        if (state == 0 && _holding)
        {
            Phb.ReleaseReset(Secondary, Subordinate);
            _holding = false;
        }
    }

    /// <summary>SBR or PERST asserted: every function below is reset and stays in reset (no DMA) until NORMAL.</summary>
    private void AssertReset()
    {
        Phb.Pci.ResetBuses(Phb.Config.Segment, Secondary, Subordinate);
        if (_holding) return;
        Phb.HoldInReset(Secondary, Subordinate);
        _holding = true;
    }

    /// <summary><c>phb4_prepare_link_change</c>: PHB4_CFG_BLOCKED is set while the link is down, cleared when it is up.</summary>
    private void PrepareLinkChange(bool up) => Phb.ConfigBlocked = !up;

    /// <summary><c>pci_slot_run_sm</c>: the remaining delay while waiting, else the op for the state class.</summary>
    public long RunSm()
    {
        long now = _now();
        if (_delayTarget != 0 && now < _delayTarget) return _delayTarget - now;
        _delayTarget = 0;
        switch (State & 0xFFFF_FF00)
        {
            case 0x100: return PollLink();
            case 0x200: return Hreset();
            case 0x300: return Freset();
            case 0x400: return Creset();
            default:
                SetState(0); // "Invalid state": polling an idle slot is OPAL_HARDWARE
                return (long)OpalRc.Hardware;
        }
    }

    // ---- ops ----------------------------------------------------------------------------------

    /// <summary>The hot reset op (OPAL_RESET_PCI_HOT, assert).</summary>
    public long Hreset() => IsPhbSlot ? Phb4Hreset() : PcieHreset();

    /// <summary>The fundamental reset op (OPAL_RESET_PCI_FUNDAMENTAL, assert).</summary>
    public long Freset() => IsPhbSlot ? Phb4Freset() : PcieFreset();

    /// <summary>The complete reset op (OPAL_RESET_PHB_COMPLETE): the PHB slot only (a port slot has no creset).</summary>
    public long Creset() => IsPhbSlot ? Phb4Creset() : (long)OpalRc.Unsupported;

    private long PollLink() => IsPhbSlot ? Phb4PollLink() : PciePollLink();

    /// <summary>hw/phb4.c <c>phb4_hreset</c>: SBR on the root port held 1 s, then 1 s before link polling.</summary>
    private long Phb4Hreset()
    {
        switch ((Phb4SlotState)State)
        {
            case Phb4SlotState.Normal:
                PrepareLinkChange(false);
                goto case Phb4SlotState.HresetStart;
            case Phb4SlotState.HresetStart:
                AssertReset();
                SetState((uint)Phb4SlotState.HresetDelay);
                return Timeout(1000);
            case Phb4SlotState.HresetDelay:
                // SBR deasserted; "oddball adapters" get a full second before the link is checked.
                SetState((uint)Phb4SlotState.HresetDelay2);
                return Timeout(1000);
            case Phb4SlotState.HresetDelay2:
                SetState((uint)Phb4SlotState.LinkStart);
                return Phb4PollLink();
            default:
                SetState(0);
                return (long)OpalRc.Hardware;
        }
    }

    /// <summary>hw/phb4.c <c>phb4_freset</c>: PERST held 250 ms (skipped when a complete reset already held it).</summary>
    private long Phb4Freset()
    {
        switch ((Phb4SlotState)State)
        {
            case Phb4SlotState.Normal:
            case Phb4SlotState.FresetStart:
                PrepareLinkChange(false);
                if (!_skipPerst)
                {
                    AssertReset();
                    SetState((uint)Phb4SlotState.FresetAssertDelay);
                    return Timeout(250);
                }
                SetState((uint)Phb4SlotState.FresetAssertDelay);
                _skipPerst = false;
                goto case Phb4SlotState.FresetAssertDelay;
            case Phb4SlotState.FresetAssertDelay:
                // PERST deasserted.
                SetState((uint)Phb4SlotState.LinkStart);
                return Phb4PollLink();
            default:
                SetState(0);
                return (long)OpalRc.Hardware;
        }
    }

    /// <summary>
    /// hw/phb4.c <c>phb4_creset</c>: fence the PHB and hold PERST, reset the ETU (wait for the CQ, 10 ms), re-initialise
    /// (<c>phb4_init_hw</c>: IODA restored from skiboot's caches, PEST cleared; the fence lifts), wait until PERST was
    /// held 250 ms (at least 100 ms), then a fundamental reset without a second PERST.
    /// </summary>
    private long Phb4Creset()
    {
        switch ((Phb4SlotState)State)
        {
            case Phb4SlotState.Normal:
            case Phb4SlotState.CresetStart:
                _cresetStart = _now();
                PrepareLinkChange(false);
                Phb.Fenced = true; // forced fence + PHB4_AIB_FENCED
                AssertReset();
                SetState((uint)Phb4SlotState.CresetWaitCq);
                Retries = 500;
                return Timeout(10);
            case Phb4SlotState.CresetWaitCq:
                // PBCQ status idle at once in the model: the ETU leaves reset.
                SetState((uint)Phb4SlotState.CresetReinit);
                return Timeout(10);
            case Phb4SlotState.CresetReinit:
            {
                Phb.Fenced = false;
                Phb.IodaReset(purge: false);
                SetState((uint)Phb4SlotState.CresetFreset);
                long held = _now() - _cresetStart;
                return Timeout(held < 250 ? Math.Max(100, 250 - held) : 100);
            }
            case Phb4SlotState.CresetFreset:
                // skiboot sets NORMAL and calls freset; PERST is still asserted, so the functions stay held.
                _skipPerst = true;
                State = 0;
                return Phb4Freset();
            default:
                SetState(0);
                return Phb4Creset();
        }
    }

    /// <summary>hw/phb4.c <c>phb4_poll_link</c>: electrical link (1 ms), training (1 ms), then 1 s of stability.</summary>
    private long Phb4PollLink()
    {
        switch ((Phb4SlotState)State)
        {
            case Phb4SlotState.Normal:
            case Phb4SlotState.LinkStart:
                Retries = 100; // PHB4_LINK_ELECTRICAL_RETRIES
                SetState((uint)Phb4SlotState.LinkWaitElectrical);
                return Timeout(1);
            case Phb4SlotState.LinkWaitElectrical:
                // PHB_PCIE_DLP_INBAND_PRESENCE | TL_LINKACT
                SetState((uint)Phb4SlotState.LinkWait);
                Retries = 200; // PHB4_LINK_WAIT_RETRIES
                return Timeout(1);
            case Phb4SlotState.LinkWait:
                PrepareLinkChange(true);
                SetState((uint)Phb4SlotState.LinkStable);
                return Timeout(1000);
            case Phb4SlotState.LinkStable:
                // Link optimal: pci_restore_slot_bus_configs (bridges' bus numbers), done.
                SetState(0);
                return (long)OpalRc.Success;
            default:
                SetState(0);
                return (long)OpalRc.Hardware;
        }
    }

    /// <summary>core/pcie-slot.c <c>pcie_slot_sm_hreset</c>: SBR on the port held 250 ms, then 1.8 s before link polling.</summary>
    private long PcieHreset()
    {
        switch ((PcieSlotState)State)
        {
            case PcieSlotState.Normal:
            case PcieSlotState.HresetStart:
                AssertReset();
                SetState((uint)PcieSlotState.HresetHold);
                return Timeout(250);
            case PcieSlotState.HresetHold:
                SetState((uint)PcieSlotState.LinkStartPoll);
                return Timeout(1800);
            default:
                SetState(0);
                return (long)OpalRc.Hardware;
        }
    }

    /// <summary>core/pcie-slot.c <c>pcie_slot_sm_freset</c>: slot power off 50 ms, on, 50 ms before link polling.</summary>
    private long PcieFreset()
    {
        switch ((PcieSlotState)State)
        {
            case PcieSlotState.Normal:
                AssertReset(); // power off
                SetState((uint)PcieSlotState.FresetPowerOff);
                return Timeout(50);
            case PcieSlotState.FresetPowerOff:
                SetState((uint)PcieSlotState.LinkStartPoll);
                return Timeout(50);
            default:
                SetState(0);
                return (long)OpalRc.Hardware;
        }
    }

    /// <summary>core/pcie-slot.c <c>pcie_slot_sm_poll_link</c>: with link-active reporting, poll every 20 ms (250 tries).</summary>
    private long PciePollLink()
    {
        switch ((PcieSlotState)State)
        {
            case PcieSlotState.LinkStartPoll:
                SetState((uint)PcieSlotState.LinkPolling);
                Retries = 250;
                return Timeout(20);
            case PcieSlotState.LinkDelayFinalized:
                SetState(0);
                return (long)OpalRc.Success;
            case PcieSlotState.LinkPolling:
                // PCICAP_EXP_LSTAT_DLLL_ACT is set: the link is up.
                SetState(0);
                return (long)OpalRc.Success;
            default:
                SetState(0);
                return (long)OpalRc.Hardware;
        }
    }
}
