using System.Reflection;

namespace Yapit.Tests.Conventions;

/// <summary>
/// Every test class says what it needs, so <c>dotnet test --filter Category=Unit</c> runs in seconds without Postgres,
/// processes or chromium: Unit (nothing outside the process), Integration (Postgres, real HTTP, the emulator, in-process
/// or as a process), Stack (the AppHost), Browser (chromium).
/// </summary>
[Trait("Category", "Unit")]
public sealed class TestCategoryTests
{
    private static readonly string[] Categories = ["Unit", "Integration", "Stack", "Browser"];

    [Fact]
    public void Every_test_class_has_exactly_one_category_trait()
    {
        var testClasses = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.GetMethods().Any(IsTest))
            .ToList();

        var wrong = testClasses
            .Select(type => (type, categories: CategoriesOf(type)))
            .Where(found => found.categories.Count != 1 || !Categories.Contains(found.categories[0]))
            .Select(found => $"{found.type.FullName}: [{string.Join(", ", found.categories)}]")
            .ToList();

        Assert.True(testClasses.Count > 50, $"found only {testClasses.Count} test classes");
        Assert.True(wrong.Count == 0,
            $"Give each test class one [Trait(\"Category\", \"{string.Join("\"|\"", Categories)}\")]:{Environment.NewLine}{string.Join(Environment.NewLine, wrong)}");
    }

    /// <summary>[Fact], [Theory] and FsCheck's [Property] all derive from xunit's FactAttribute.</summary>
    private static bool IsTest(MethodInfo method) => method.GetCustomAttributes<FactAttribute>(inherit: true).Any();

    private static List<string> CategoriesOf(Type type) =>
        [.. type.GetCustomAttributesData()
            .Where(attribute => attribute.AttributeType == typeof(TraitAttribute)
                && attribute.ConstructorArguments is [{ Value: "Category" }, _])
            .Select(attribute => (string)attribute.ConstructorArguments[1].Value!)];
}
