using Yapit.AppHost.Hosting;

namespace Yapit.Tests.Orchestration;

public sealed class ParameterStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"yapit-parameters-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void A_value_is_generated_once_kept_in_an_owner_only_file_and_found_again_by_a_new_store()
    {
        var path = Path.Combine(_directory, ParameterStore.FileName);
        var generated = 0;
        string Generate() => $"value-{++generated}";

        var first = new ParameterStore(path).GetOrCreate("admin-key", Generate);
        var again = new ParameterStore(path).GetOrCreate("admin-key", Generate);
        var other = new ParameterStore(path).GetOrCreate("other", Generate);

        Assert.Equal(("value-1", "value-1", "value-2"), (first, again, other));
        Assert.Equal(2, generated);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void A_generated_stripe_key_has_a_test_keys_shape()
    {
        var key = ParameterStore.NewStripeTestKey();

        Assert.Matches("^sk_test_[A-Za-z0-9]{99}$", key);
        Assert.NotEqual(key, ParameterStore.NewStripeTestKey());
    }

    [Fact]
    public void A_damaged_file_is_reported_with_its_path_and_left_as_it_is()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, ParameterStore.FileName);
        File.WriteAllText(path, "not json");

        var error = Assert.Throws<DistributedApplicationException>(() => new ParameterStore(path).GetOrCreate("x", () => "y"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("--fresh", error.Message, StringComparison.Ordinal);
        Assert.Equal("not json", File.ReadAllText(path));
    }
}
