using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Inbox;

namespace Yapit.Gateway.Webhooks;

/// <summary>
/// Puts the intake's events into the inbox, many to a commit. A request that finds a writer free is inserted at once
/// (light load waits for nothing); requests that arrive while every writer is committing queue here and go into the
/// next insert together: one statement, one transaction, one WAL flush for the lot. Every request still gets its
/// answer only after its own row is committed, and learns whether the row was new.
/// <para>
/// At most <see cref="WebhookIntakeOptions.MaxConcurrentInserts"/> inserts run at once, so a burst (Stripe
/// retrying after an outage, or requests piling up while an autovacuum pass slows commits) waits here instead of
/// opening a database connection per request: on the 2-core benchmark machine an unbounded intake opened 80+
/// connections within a second of such a slowdown and its p99 went to 280-660 ms (bench/README.md). Nothing is
/// refused and nothing is rate-limited.
/// </para>
/// </summary>
public sealed class WebhookInboxWriter
{
    /// <summary>The key of the intake's own <see cref="NpgsqlDataSource"/> in the service container.</summary>
    public const string DataSourceKey = "webhook-intake";

    /// <summary>Inserts the events in one transaction and returns the ids that were new.</summary>
    public delegate Task<IReadOnlySet<string>> InsertBatch(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken);

    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly InsertBatch _insert;
    private readonly int _maxWriters;
    private readonly int _maxBatch;
    private int _writers;

    public WebhookInboxWriter(InboxStore inbox, IOptions<WebhookIntakeOptions> options)
        : this(inbox.InsertManyAsync, options.Value.MaxConcurrentInserts, options.Value.MaxInsertBatch)
    {
    }

    public WebhookInboxWriter(InsertBatch insert, int maxConcurrentInserts, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentInserts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _insert = insert;
        _maxWriters = maxConcurrentInserts;
        _maxBatch = maxBatch;
    }

    /// <summary>
    /// True when the event is new, false when its id was already stored (or came twice in one batch), once the
    /// commit is done; the insert's exception when it failed. <paramref name="cancellationToken"/> only stops the
    /// wait: an event already handed to a writer is still inserted (Stripe's redelivery is then a duplicate).
    /// </summary>
    public Task<bool> InsertAsync(IncomingEvent incoming, CancellationToken cancellationToken)
    {
        var pending = new Pending(incoming, Activity.Current?.Context ?? default);
        _queue.Enqueue(pending);
        // With a slot free, this request writes itself (with whatever queued alongside) and saves two thread hops;
        // the write goes on even if the request stops waiting, since other requests' events may be in it.
        var answer = TryTakeSlot() ? LeadAsync(pending) : pending.Answer.Task;
        return answer.WaitAsync(cancellationToken);
    }

    private bool TryTakeSlot()
    {
        while (true)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= _maxWriters)
            {
                return false; // a busy writer takes the queue when its insert is done
            }
            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers)
            {
                return true;
            }
        }
    }

    private async Task<bool> LeadAsync(Pending own)
    {
        try
        {
            while (!own.Answer.Task.IsCompleted && TakeBatch() is { Count: > 0 } batch)
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            // Events that queued meanwhile keep the slot, in a background writer; otherwise the slot is freed.
            if (!_queue.IsEmpty)
            {
                RunInBackground();
            }
            else
            {
                ReleaseSlot();
            }
        }
        return await own.Answer.Task.ConfigureAwait(false);
    }

    private void RunInBackground()
    {
        // Without the request's execution context: a writer's later batches belong to other requests' traces.
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
        // An event queued after this writer's last look, while every slot was taken, would otherwise wait forever.
        if (!_queue.IsEmpty && TryTakeSlot())
        {
            RunInBackground();
        }
    }

    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>(Math.Min(_maxBatch, 16));
        while (batch.Count < _maxBatch && _queue.TryDequeue(out var pending))
        {
            batch.Add(pending);
        }
        return batch;
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        // The batch's span continues the first request's trace and links the others' (their own spans end when
        // they are answered).
        var links = batch.Skip(1).Where(p => p.Context != default).Select(p => new ActivityLink(p.Context));
        using var activity = WebhookTelemetry.Source.StartActivity(ActivityKind.Internal, batch[0].Context, links: links, name: "inbox insert");
        activity?.SetTag("yapit.inbox.batch_size", batch.Count);
        WebhookTelemetry.InsertBatchSize.Record(batch.Count);

        var events = batch.DistinctBy(p => p.Event.EventId, StringComparer.Ordinal).Select(p => p.Event).ToList();
        IReadOnlySet<string> inserted;
        try
        {
            inserted = await _insert(events, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PostgresException error) when (events.Count > 1 && IsTheRowsOwnFault(error))
        {
            // One row Postgres refuses must not fail its neighbours: each id goes again on its own.
            activity?.AddEvent(new ActivityEvent("batch refused; inserting one by one"));
            foreach (var sameId in batch.GroupBy(p => p.Event.EventId, StringComparer.Ordinal))
            {
                await WriteAsync(sameId.ToList()).ConfigureAwait(false);
            }
            return;
        }
        catch (PostgresException error) when (events.Count == 1 && IsTheRowsOwnFault(error))
        {
            // One event (however many copies of it) that Postgres refuses for what it holds: a retry cannot fix it.
            activity?.SetStatus(ActivityStatusCode.Error, error.SqlState);
            var rejected = new InboxRowRejectedException(error);
            foreach (var pending in batch)
            {
                pending.Answer.TrySetException(rejected);
            }
            return;
        }
        catch (Exception error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            foreach (var pending in batch)
            {
                pending.Answer.TrySetException(error);
            }
            return;
        }

        // Of several copies of one id in this batch, the first is the new one and the rest are duplicates.
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            pending.Answer.TrySetResult(inserted.Contains(pending.Event.EventId) && answered.Add(pending.Event.EventId));
        }
    }

    /// <summary>Data exceptions, constraint violations and size limits: about a row, not the database's health.</summary>
    private static bool IsTheRowsOwnFault(PostgresException error) =>
        error.SqlState.StartsWith("22", StringComparison.Ordinal) || error.SqlState.StartsWith("23", StringComparison.Ordinal) || error.SqlState.StartsWith("54", StringComparison.Ordinal);

    private sealed record Pending(IncomingEvent Event, ActivityContext Context)
    {
        public TaskCompletionSource<bool> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Postgres refused one event's row for what it holds (a data exception, a size limit): answered 400, not 503.</summary>
public sealed class InboxRowRejectedException(PostgresException error) : Exception("The inbox cannot store this event.", error)
{
    public string SqlState { get; } = error.SqlState;
}
