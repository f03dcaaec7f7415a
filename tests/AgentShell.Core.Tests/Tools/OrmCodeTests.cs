using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>Code handed to a framework console (artisan tinker, mix run -e), read by its ORM calls as data.</summary>
public class OrmCodeTests
{
    [TestCase("App\\Models\\User::truncate()", Effect.Truncate)]
    [TestCase("User::query()->delete()", Effect.Wipe)]
    [TestCase("DB::table('sessions')->where('id', 3)->delete()", Effect.Delete)]
    [TestCase("User::query()->update(['active' => false])", Effect.Wipe)]
    [TestCase("Schema::dropIfExists('jobs')", Effect.Drop)]
    [TestCase("Artisan::call(\"migrate:fresh\", ['--force' => true])", Effect.Wipe)]
    [TestCase("DB::statement('DROP TABLE jobs')", Effect.Drop)]
    [TestCase("DB::select('select count(*) from users')", Effect.Read)]
    public void Php(string code, Effect effect) => Assert.That(OrmCode.EffectOf(OrmCode.Php, code, []), Is.EqualTo(effect));

    [TestCase("MyApp.Repo.delete_all(MyApp.User)", Effect.Wipe)]
    [TestCase("import Ecto.Query; MyApp.Repo.delete_all(from u in MyApp.User, where: u.id == 1)", Effect.Delete)]
    [TestCase("MyApp.Repo.update_all(MyApp.User, set: [active: false])", Effect.Wipe)]
    [TestCase("Ecto.Adapters.SQL.query!(MyApp.Repo, \"TRUNCATE users\")", Effect.Truncate)]
    [TestCase("MyApp.Repo.query!(\"SELECT 1\")", Effect.Read)]
    public void Elixir(string code, Effect effect) => Assert.That(OrmCode.EffectOf(OrmCode.Elixir, code, []), Is.EqualTo(effect));

    // What cannot be read is unknown, never a read.
    [TestCase("DB::statement($sql)")]
    [TestCase("DB::statement(\"DROP TABLE $t\")")]
    [TestCase("echo User::count();")]
    public void PhpWhatCannotBeReadIsUnknown(string code) => Assert.That(OrmCode.EffectOf(OrmCode.Php, code, []), Is.EqualTo(Effect.Unknown));

    [TestCase("MyApp.Repo.query!(\"DROP TABLE #{t}\")")]
    [TestCase("MyApp.Repo.query!(sql)")]
    [TestCase("IO.inspect(MyApp.Repo.aggregate(MyApp.User, :count))")]
    public void ElixirWhatCannotBeReadIsUnknown(string code) => Assert.That(OrmCode.EffectOf(OrmCode.Elixir, code, []), Is.EqualTo(Effect.Unknown));
}
