using System.Collections.Concurrent;
using System.Diagnostics;

namespace Yapit.Billing.Data;

/// <summary>
/// Many writes to a commit. A write that finds a writer free goes to the database at once (light load waits for
/// nothing); writes that arrive while every writer is busy queue here and go in the next batch together: one round
/// trip, one transaction, one WAL flush for the lot. Each caller is answered only when its own write is done.
/// <para>
/// At most <c>maxConcurrentWrites</c> batches run at once, so a burst waits here instead of opening a database
/// connection per request. Nothing is refused and nothing is rate-limited. Used by the webhook intake (inbox inserts)
/// and the usage ledger (records); bench/README.md has what each gained.
/// </para>
/// </summary>
/// <typeparam name="TItem">What a caller asks to write.</typeparam>
/// <typeparam name="TResult">What the caller is answered once it is written.</typeparam>
public sealed class GroupCommit<TItem, TResult>
{
    /// <summary>
    /// Writes a batch and answers every write in it (<see cref="Write.Answer"/> or <see cref="Write.Fail"/>). A write
    /// left unanswered fails; an exception fails every write not answered yet.
    /// </summary>
    public delegate Task WriteBatch(IReadOnlyList<Write> batch);

    /// <summary>One caller's write, with the trace it came from (a batch's span continues the first and links the others).</summary>
    public sealed class Write(TItem item, ActivityContext context)
    {
        private readonly TaskCompletionSource<TResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TItem Item { get; } = item;
        public ActivityContext Context { get; } = context;
        internal Task<TResult> Answered => _answer.Task;
        public bool IsAnswered => _answer.Task.IsCompleted;
        public void Answer(TResult result) => _answer.TrySetResult(result);
        public void Fail(Exception error) => _answer.TrySetException(error);
    }

    private readonly ConcurrentQueue<Write> _queue = new();
    private readonly WriteBatch _write;
    private readonly int _maxWriters;
    private readonly int _maxBatch;
    private int _writers;

    public GroupCommit(WriteBatch write, int maxConcurrentWrites, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentWrites, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _write = write;
        _maxWriters = maxConcurrentWrites;
        _maxBatch = maxBatch;
    }

    /// <summary>
    /// The write's answer once its batch is written. <paramref name="cancellationToken"/> only stops the wait: a write
    /// already handed to a writer is still written (its batch holds other callers' writes too).
    /// </summary>
    public Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken)
    {
        var write = new Write(item, Activity.Current?.Context ?? default);
        _queue.Enqueue(write);
        // With a slot free, this caller writes itself (with whatever queued alongside) and saves two thread hops.
        var answer = TryTakeSlot() ? LeadThenAnswerAsync(write) : write.Answered;
        return answer.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Several writes of one caller, queued together so they share batches (a first write led alone would go to the
    /// database by itself); their answers in order, each with its own result or exception.
    /// </summary>
    public IReadOnlyList<Task<TResult>> SubmitMany(IReadOnlyList<TItem> items, CancellationToken cancellationToken)
    {
        var context = Activity.Current?.Context ?? default;
        var writes = items.Select(item => new Write(item, context)).ToList();
        foreach (var write in writes)
        {
            _queue.Enqueue(write);
        }
        if (writes.Count > 0 && TryTakeSlot())
        {
            _ = LeadAsync(writes[^1]); // never faults: every failure is in the writes' answers
        }
        return writes.Select(write => write.Answered.WaitAsync(cancellationToken)).ToList();
    }

    private bool TryTakeSlot()
    {
        while (true)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= _maxWriters)
            {
                return false; // a busy writer takes the queue when its batch is done
            }
            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers)
            {
                return true;
            }
        }
    }

    private async Task<TResult> LeadThenAnswerAsync(Write own)
    {
        await LeadAsync(own).ConfigureAwait(false);
        return await own.Answered.ConfigureAwait(false);
    }

    /// <summary>Writes batches until <paramref name="own"/> is answered, then hands the slot on or frees it.</summary>
    private async Task LeadAsync(Write own)
    {
        try
        {
            while (!own.IsAnswered && TakeBatch() is { Count: > 0 } batch)
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            // Writes that queued meanwhile keep the slot, in a background writer; otherwise the slot is freed.
            if (!_queue.IsEmpty)
            {
                RunInBackground();
            }
            else
            {
                ReleaseSlot();
            }
        }
    }

    private void RunInBackground()
    {
        // Without the caller's execution context: a writer's later batches belong to other callers' traces.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(WriteUntilEmptyAsync);
        }
    }

    private async Task WriteUntilEmptyAsync()
    {
        try
        {
            while (TakeBatch() is { Count: > 0 } batch)
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            ReleaseSlot();
        }
    }

    private void ReleaseSlot()
    {
        Interlocked.Decrement(ref _writers);
        // A write queued after this writer's last look, while every slot was taken, would otherwise wait forever.
        if (!_queue.IsEmpty && TryTakeSlot())
        {
            RunInBackground();
        }
    }

    private List<Write> TakeBatch()
    {
        var batch = new List<Write>(Math.Min(_maxBatch, 16));
        while (batch.Count < _maxBatch && _queue.TryDequeue(out var write))
        {
            batch.Add(write);
        }
        return batch;
    }

    private async Task WriteAsync(List<Write> batch)
    {
        try
        {
            await _write(batch).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            foreach (var write in batch)
            {
                write.Fail(error);
            }
        }
        foreach (var write in batch.Where(w => !w.IsAnswered))
        {
            write.Fail(new InvalidOperationException("The batch was written without answering this write."));
        }
    }
}
