using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK007: a path that returns after clearing translation entries without invalidating.</summary>
public sealed class UnmapWithoutInvalidationTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using Conformance.Adapters.Platform;
        using Conformance.Reference.Memory;
        using Conformance.Reference.Platform;

        """;

    private static Task Check(string source) => Verify<UnmapWithoutInvalidationAnalyzer>.Analyzer(Usings + source);

    /// <summary>The driver-side helpers the sources call: queued invalidation (VT-d §6.5.2) and the PHB's TCE kill.</summary>
    private const string Helpers = """

        public sealed class InvalidationQueue(Machine machine, ulong unit)
        {
            public bool InvalidateIotlbPages(ushort domain, ulong iova, int order) => machine.CpuWrite(unit + 0x88, 8, iova | (ulong)order);
            public bool InvalidateDomain(ushort domain) => machine.CpuWrite(unit + 0x88, 8, domain);
            public void WaitForCompletion() => machine.Tick();
        }
        """;

    // ---- positive -------------------------------------------------------------------------------

    [Fact]
    public Task An_early_return_for_an_idle_domain_skips_the_iotlb_flush() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class SecondLevelUnmap(PhysicalMemory memory, InvalidationQueue queue)
        {
            public bool Unmap(ushort domain, ulong pteTable, ulong iova, int pages, bool domainActive)
            {
                for (int i = 0; i < pages; i++)
                {
                    ulong pte = pteTable + (ulong)(((iova >> 12) + (ulong)i) & 0x1FF) * 8;
                    if (!{|DAK007:memory.TryWriteLe(pte, 8, 0)|}) return false;
                }
                if (!domainActive) return true;
                queue.InvalidateIotlbPages(domain, iova, 0);
                queue.WaitForCompletion();
                return true;
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_tce_cleared_without_a_tce_kill_is_flagged() => Check("""
        namespace Conformance.Adapters.Power;
        public sealed class TceTable(PhysicalMemory memory, ulong tableBase, ulong windowBase)
        {
            public bool ClearOne(ulong ioba)
            {
                ulong index = (ioba - windowBase) >> 12;
                return {|DAK007:memory.TryWriteBe(tableBase + index * 8, 8, 0)|};
            }
        }
        """);

    [Fact]
    public Task Invalidating_on_only_one_branch_is_flagged() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class DeviceTable(PhysicalMemory memory, InvalidationQueue queue)
        {
            public void Detach(ulong dteAddress, ushort domain, bool lazy)
            {
                {|DAK007:memory.TryWrite(dteAddress, new byte[32])|};
                if (lazy) return;
                queue.InvalidateDomain(domain);
            }
        }
        """ + Helpers);

    [Fact]
    public Task An_error_path_between_the_clear_and_the_flush_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class RangeUnmapper(PhysicalMemory memory, InvalidationQueue queue)
        {
            public string? UnmapRange(ushort domain, IReadOnlyList<ulong> ptes, ulong iova)
            {
                foreach (var pte in ptes)
                    {|DAK007:ClearPte(pte)|};
                if (ptes.Count > 512) return "range crosses a page-table page";
                queue.InvalidateIotlbPages(domain, iova, 9);
                return null;
            }

            private void ClearPte(ulong pte) => memory.TryWriteLe(pte, 8, 0);
        }
        """ + Helpers);

    [Fact]
    public Task Invalidating_before_the_clear_is_too_early_and_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class WrongOrder(PhysicalMemory memory, InvalidationQueue queue)
        {
            public void Unmap(ushort domain, ulong pte, ulong iova)
            {
                queue.InvalidateIotlbPages(domain, iova, 0);
                queue.WaitForCompletion();
                {|DAK007:memory.TryWriteLe(pte, 8, 0UL)|};
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_local_function_that_clears_without_flushing_is_flagged() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class Teardown(PhysicalMemory memory, InvalidationQueue queue)
        {
            public void DetachAll(IEnumerable<ulong> dtes, ushort domain)
            {
                foreach (var d in dtes) Drop(d);
                queue.InvalidateDomain(domain);

                void Drop(ulong dte)
                {
                    Span<byte> zero = stackalloc byte[32];
                    {|DAK007:memory.TryWrite(dte, zero)|};
                }
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_zero_stored_through_the_drivers_store_helper_is_a_clear() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class LeafUnmap(IHostMemory memory, InvalidationQueue queue)
        {
            private void Store(ulong address, ulong value)
            {
                if (!memory.TryWriteLe(address, 8, value)) throw new InvalidOperationException($"0x{address:x} is not backed");
            }

            public int Unmap(ushort domain, IReadOnlyList<ulong> leaves, ulong iova, bool deferFlush)
            {
                foreach (var leaf in leaves) {|DAK007:Store(leaf, 0)|};
                if (deferFlush) return leaves.Count; // the lazy-flush shortcut: the IOTLB keeps the pages
                queue.InvalidateIotlbPages(domain, iova, 0);
                return leaves.Count;
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_private_helper_that_zeroes_an_entry_is_a_clear_where_it_is_called() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class DeviceDetach(IHostMemory memory, InvalidationQueue queue)
        {
            public bool Detach(ulong deviceTable, ushort requesterId, ushort domain)
            {
                ulong dte = deviceTable + (ulong)requesterId * 32;
                if (!{|DAK007:DropDte(dte)|}) return false;   // a failed write returns before the flush
                queue.InvalidateDomain(domain);
                return true;
            }

            private bool DropDte(ulong dte) => memory.TryWrite(dte, new byte[32]);
        }
        """ + Helpers);

    [Fact]
    public Task Clearing_leaves_and_flushing_on_an_unrelated_flag_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class RangeUnmap(IHostMemory memory, InvalidationQueue queue)
        {
            private readonly SortedList<ulong, ulong> _mappings = new();

            public ulong Unmap(ushort domain, ulong iova, ulong size, bool strict)
            {
                var hit = _mappings.Where(m => m.Key >= iova && m.Key < iova + size).ToList();
                ulong unmapped = 0;
                var flush = new List<(ulong, ulong)>();
                foreach (var m in hit)
                {
                    {|DAK007:ClearLeaves(m.Key, m.Value)|};
                    _mappings.Remove(m.Key);
                    unmapped += m.Value;
                    flush.Add((m.Key, m.Value));
                }
                if (strict && flush.Count > 0) queue.InvalidateDomain(domain);
                return unmapped;
            }

            private void ClearLeaves(ulong iova, ulong size)
            {
                for (ulong o = 0; o < size; o += 4096) memory.TryWriteLe(iova + o, 8, 0);
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_batch_filled_before_the_clear_does_not_excuse_the_empty_branch() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class EarlyBatch(IHostMemory memory, InvalidationQueue queue)
        {
            public void Unmap(ushort domain, IReadOnlyList<ulong> ptes, ulong iova, bool alreadyQueued)
            {
                var pending = new List<ulong>();
                if (!alreadyQueued) pending.Add(iova);
                foreach (var pte in ptes) {|DAK007:memory.TryWriteLe(pte, 8, 0)|};
                if (pending.Count > 0) queue.InvalidateIotlbPages(domain, iova, 0);
            }
        }
        """ + Helpers);

    // ---- negative -------------------------------------------------------------------------------

    [Fact]
    public Task Clearing_then_flushing_on_every_path_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class GoodUnmap(PhysicalMemory memory, InvalidationQueue queue)
        {
            public bool Unmap(ushort domain, ulong pte, ulong iova, bool wholeDomain)
            {
                if (!memory.TryWriteLe(pte, 8, 0)) { queue.InvalidateDomain(domain); return false; }
                if (wholeDomain) queue.InvalidateDomain(domain);
                else queue.InvalidateIotlbPages(domain, iova, 0);
                queue.WaitForCompletion();
                return true;
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_finally_that_kills_the_tce_cache_covers_every_path() => Check("""
        namespace Conformance.Adapters.Power;
        public interface IPhbRegisters { void TceKill(ulong pe, ulong ioba); }
        public sealed class TceUnmap(PhysicalMemory memory, IPhbRegisters phb)
        {
            public int Unmap(ulong pe, ulong table, ulong ioba, int count)
            {
                try
                {
                    for (int i = 0; i < count; i++)
                        if (!memory.TryWriteBe(table + (ulong)i * 8, 8, 0)) return i;
                    return count;
                }
                finally
                {
                    phb.TceKill(pe, ioba);
                }
            }
        }
        """);

    [Fact]
    public Task A_helper_that_issues_the_invalidation_counts() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class Batched(PhysicalMemory memory, InvalidationQueue queue)
        {
            public void Unmap(ushort domain, ulong pte, ulong iova)
            {
                memory.TryWriteLe(pte, 8, 0);
                Commit(domain, iova);
            }
            private void Commit(ushort domain, ulong iova)
            {
                queue.InvalidateIotlbPages(domain, iova, 0);
                queue.WaitForCompletion();
            }
        }
        """ + Helpers);

    [Fact]
    public Task The_clear_primitive_itself_is_not_checked_its_callers_are() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class Primitives(PhysicalMemory memory)
        {
            public bool ClearPte(ulong pte) => memory.TryWriteLe(pte, 8, 0);
            public bool ClearContextEntry(ulong entry) => memory.TryWrite(entry, new byte[16]);
        }
        """);

    [Fact]
    public Task Writing_present_entries_needs_no_invalidation() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class Mapper(PhysicalMemory memory)
        {
            public bool Map(ulong pte, ulong hostPage, bool write)
            {
                ulong entry = hostPage | 1UL | (write ? 2UL : 0UL);
                return memory.TryWriteLe(pte, 8, entry) && memory.TryWrite(pte + 8, new byte[] { 1, 0, 0, 0, 0, 0, 0, 0 });
            }
        }
        """);

    [Fact]
    public Task A_batched_flush_skipped_only_when_nothing_was_cleared_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class VfioStyleUnmap(IHostMemory memory, InvalidationQueue queue)
        {
            private readonly SortedList<ulong, ulong> _mappings = new();

            public string? Unmap(ushort domain, ulong iova, ulong size)
            {
                ulong end = iova + size;
                var hit = _mappings.Where(m => m.Key < end && iova < m.Key + m.Value).ToList();
                if (hit.Any(m => m.Key < iova || m.Key + m.Value > end)) return "the range bisects a mapping";
                var flush = new List<(ulong Iova, ulong Size)>();
                foreach (var m in hit)
                {
                    ClearLeaves(m.Key, m.Value);
                    _mappings.Remove(m.Key);
                    flush.Add((m.Key, m.Value));
                }
                if (flush.Count > 0 && !InvalidateRanges(domain, flush)) return "the IOTLB invalidation did not complete";
                return null;
            }

            private void ClearLeaves(ulong iova, ulong size)
            {
                for (ulong o = 0; o < size; o += 4096) Store(iova + o, 0);
            }

            private void Store(ulong address, ulong value)
            {
                if (!memory.TryWriteLe(address, 8, value)) throw new InvalidOperationException("not backed");
            }

            private bool InvalidateRanges(ushort domain, List<(ulong Iova, ulong Size)> ranges)
            {
                foreach (var (i, _) in ranges) queue.InvalidateIotlbPages(domain, i, 0);
                return true;
            }
        }
        """ + Helpers);

    [Fact]
    public Task Zeroing_the_upper_qword_of_a_root_entry_before_writing_it_present_is_programming_not_a_clear() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class RootTable(IHostMemory memory, ulong root)
        {
            private readonly Dictionary<int, ulong> _contextTables = new();

            private void Store(ulong address, ulong value)
            {
                if (!memory.TryWriteLe(address, 8, value)) throw new InvalidOperationException("not backed");
            }

            public ulong? ContextTable(int bus, ulong freshPage)
            {
                if (_contextTables.TryGetValue(bus, out var t)) return t;
                _contextTables[bus] = freshPage;
                Store(root + (ulong)bus * 16 + 8, 0);
                Store(root + (ulong)bus * 16, freshPage | 1); // VT-d 9.1: CTP, P
                return freshPage;
            }
        }
        """);

    [Fact]
    public Task A_private_clear_helper_is_checked_at_its_callers_which_invalidate() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class DeviceDetachAll(IHostMemory memory, InvalidationQueue queue)
        {
            public void DetachAll(IEnumerable<ulong> dtes, ushort domain)
            {
                foreach (var dte in dtes) DropDte(dte);
                queue.InvalidateDomain(domain);
            }

            private void DropDte(ulong dte)
            {
                if (!memory.TryWrite(dte, new byte[32])) throw new InvalidOperationException("device table not backed");
            }
        }
        """ + Helpers);

    [Fact]
    public Task A_helper_that_clears_and_invalidates_itself_is_an_invalidation_to_its_callers() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class ContextEntries(IHostMemory memory, InvalidationQueue queue)
        {
            internal bool SetContext(ulong entry, ulong? slptptr, ushort did)
            {
                if (slptptr is { } root) { memory.TryWriteLe(entry + 8, 8, 2UL | ((ulong)did << 8)); memory.TryWriteLe(entry, 8, root | 1); }
                else { memory.TryWriteLe(entry, 8, 0); memory.TryWriteLe(entry + 8, 8, 0); }
                return queue.InvalidateDomain(did);
            }

            public bool Detach(IEnumerable<ulong> entries, ushort did)
            {
                bool ok = true;
                foreach (var e in entries) ok &= SetContext(e, null, did);
                return ok;
            }
        }
        """ + Helpers);
}
