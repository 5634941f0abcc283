using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Data;
using Yapit.Billing.Inbox;

namespace Yapit.Gateway.Webhooks;

/// <summary>
/// Puts the intake's events into the inbox, many to a commit (<see cref="GroupCommit{TItem, TResult}"/>): events that
/// arrive while every writer is committing go into the next insert together, one statement and one WAL flush for the
/// lot. Every request gets its answer only after its own row is committed, and learns whether the row was new.
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

    private readonly GroupCommit<IncomingEvent, bool> _commits;
    private readonly InsertBatch _insert;

    public WebhookInboxWriter(InboxStore inbox, IOptions<WebhookIntakeOptions> options)
        : this(inbox.InsertManyAsync, options.Value.MaxConcurrentInserts, options.Value.MaxInsertBatch)
    {
    }

    public WebhookInboxWriter(InsertBatch insert, int maxConcurrentInserts, int maxBatch)
    {
        _insert = insert;
        _commits = new GroupCommit<IncomingEvent, bool>(WriteAsync, maxConcurrentInserts, maxBatch);
    }

    /// <summary>
    /// True when the event is new, false when its id was already stored (or came twice in one batch), once the
    /// commit is done; the insert's exception when it failed. <paramref name="cancellationToken"/> only stops the
    /// wait: an event already handed to a writer is still inserted (Stripe's redelivery is then a duplicate).
    /// </summary>
    public Task<bool> InsertAsync(IncomingEvent incoming, CancellationToken cancellationToken) =>
        _commits.SubmitAsync(incoming, cancellationToken);

    private async Task WriteAsync(IReadOnlyList<GroupCommit<IncomingEvent, bool>.Write> batch)
    {
        // The batch's span continues the first request's trace and links the others' (their own spans end when
        // they are answered).
        var links = batch.Skip(1).Where(p => p.Context != default).Select(p => new ActivityLink(p.Context));
        using var activity = WebhookTelemetry.Source.StartActivity(ActivityKind.Internal, batch[0].Context, links: links, name: "inbox insert");
        activity?.SetTag("yapit.inbox.batch_size", batch.Count);
        WebhookTelemetry.InsertBatchSize.Record(batch.Count);

        var events = batch.DistinctBy(p => p.Item.EventId, StringComparer.Ordinal).Select(p => p.Item).ToList();
        IReadOnlySet<string> inserted;
        try
        {
            inserted = await _insert(events, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PostgresException error) when (events.Count > 1 && IsTheRowsOwnFault(error))
        {
            // One row Postgres refuses must not fail its neighbours: each id goes again on its own.
            activity?.AddEvent(new ActivityEvent("batch refused; inserting one by one"));
            foreach (var sameId in batch.GroupBy(p => p.Item.EventId, StringComparer.Ordinal))
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
                pending.Fail(rejected);
            }
            return;
        }
        catch (Exception error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            foreach (var pending in batch)
            {
                pending.Fail(error);
            }
            return;
        }

        // Of several copies of one id in this batch, the first is the new one and the rest are duplicates.
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            pending.Answer(inserted.Contains(pending.Item.EventId) && answered.Add(pending.Item.EventId));
        }
    }

    /// <summary>Data exceptions, constraint violations and size limits: about a row, not the database's health.</summary>
    private static bool IsTheRowsOwnFault(PostgresException error) =>
        error.SqlState.StartsWith("22", StringComparison.Ordinal) || error.SqlState.StartsWith("23", StringComparison.Ordinal) || error.SqlState.StartsWith("54", StringComparison.Ordinal);
}

/// <summary>Postgres refused one event's row for what it holds (a data exception, a size limit): answered 400, not 503.</summary>
public sealed class InboxRowRejectedException(PostgresException error) : Exception("The inbox cannot store this event.", error)
{
    public string SqlState { get; } = error.SqlState;
}
