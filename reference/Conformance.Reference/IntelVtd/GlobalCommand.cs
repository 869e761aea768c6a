using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §10.4.4 Global Command / §10.4.5 Global Status. Software issues one command per write, keeping the
/// persistent bits (TE, QIE, IRE, CFI) as GSTS shows them: a persistent bit that differs from its status bit is a
/// command; a one-shot bit (SRTP, SFL, WBF, SIRTP) written as 1 is a command. Every command completes before the
/// write returns, so GSTS already shows the result when software reads it. When one write carries several
/// commands they are performed in the order SRTP, SIRTP, TE, QIE, IRE, CFI.
/// </summary>
public sealed partial class VtdUnit
{
    private ulong _rootTable;
    private TranslationTableMode _rootMode;
    private InterruptRemapTableAddress _irta;

    private void HandleGlobalCommand(GlobalCommandBits command)
    {
        var status = Status;
        var changed = status ^ command;

        // SRTP: latch RTADDR (table pointer and mode); RTPS reports the latch.
        if ((command & GlobalCommandBits.SetRootTablePointer) != 0)
        {
            var rta = new RootTableAddressRegister(_regs.Get64(VtdRegisterOffsets.RootTableAddress));
            _rootTable = rta.Address;
            _rootMode = rta.Mode;
            SetStatus(GlobalCommandBits.SetRootTablePointer, true);
        }
        // SFL, EAFL: CAP.AFL=0 (no advanced fault logging): ignored. WBF: CAP.RWBF=0: nothing to flush, WBFS stays 0.

        // SIRTP: latch IRTA (only with ECAP.IR); IRTPS reports the latch. The IEC is not flushed: software must
        // invalidate it globally afterwards (§6.5.2.7).
        if ((command & GlobalCommandBits.SetInterruptRemapTablePointer) != 0 && ExtendedCapability.InterruptRemapping)
        {
            _irta = new InterruptRemapTableAddress(_regs.Get64(InterruptRemappingTableAddress));
            SetStatus(GlobalCommandBits.SetInterruptRemapTablePointer, true);
        }

        if ((changed & GlobalCommandBits.TranslationEnable) != 0)
        {
            bool on = (command & GlobalCommandBits.TranslationEnable) != 0;
            SetStatus(GlobalCommandBits.TranslationEnable, on);
            if (!on) _nextFaultRecord = 0; // as QEMU: disabling translation restarts fault recording at FRCD 0
        }

        if ((changed & GlobalCommandBits.QueuedInvalidationEnable) != 0)
        {
            if ((command & GlobalCommandBits.QueuedInvalidationEnable) != 0) EnableQueuedInvalidation();
            else DisableQueuedInvalidation();
        }

        if ((changed & GlobalCommandBits.InterruptRemappingEnable) != 0 && ExtendedCapability.InterruptRemapping)
            SetStatus(GlobalCommandBits.InterruptRemappingEnable, (command & GlobalCommandBits.InterruptRemappingEnable) != 0);

        if ((changed & GlobalCommandBits.CompatibilityFormatInterrupt) != 0 && ExtendedCapability.InterruptRemapping)
            SetStatus(GlobalCommandBits.CompatibilityFormatInterrupt, (command & GlobalCommandBits.CompatibilityFormatInterrupt) != 0);
    }

    private void SetStatus(GlobalCommandBits bit, bool on)
    {
        _regs.SetBits32(GlobalStatus, on ? (uint)bit : 0, on ? 0 : (uint)bit);
        _translationEnabled = StatusHas(GlobalCommandBits.TranslationEnable);
    }

    /// <summary>GSTS.TES, kept beside the register for the per-request hot path.</summary>
    private bool _translationEnabled;

    private bool StatusHas(GlobalCommandBits bit) => (_regs.Get32(GlobalStatus) & (uint)bit) != 0;
}
