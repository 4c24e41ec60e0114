using System;
using System.Collections.Concurrent;
using System.Reflection;
using TorchSharp.Modules;

namespace WdGen.Generator.Tests.Infrastructure
{
    /// <summary>User sources run through the generator, compiled warning-free and loaded, so tests can run generated code.</summary>
    internal sealed class UserAssembly
    {
        private static readonly ConcurrentDictionary<string, UserAssembly> Cache = new();

        private UserAssembly(Assembly assembly)
        {
            Assembly = assembly;
        }

        public Assembly Assembly { get; }

        /// <summary>Compiles once per distinct source text (tests share their models).</summary>
        public static UserAssembly Compile(params string[] sources)
            => Cache.GetOrAdd(string.Join("\n//----\n", sources), _ =>
            {
                var result = GeneratorRunner.Run(TestCompilation.Create(sources, assemblyName: "UserModels" + Guid.NewGuid().ToString("N")));
                if (result.Diagnostics.Count > 0)
                {
                    throw new InvalidOperationException("The generator reported: " + string.Join("\n", result.Diagnostics));
                }

                return new UserAssembly(TestCompilation.EmitAndLoad(result.Output));
            });

        public Type Type(string name) => Assembly.GetType(name, throwOnError: true)!;

        public object Create(string typeName, params object?[] arguments) => Unwrap(() => Activator.CreateInstance(Type(typeName), arguments)!);

        /// <summary>Calls a public static method of a user type (tests put optimizer and penalty calls there).</summary>
        public object? Call(string typeName, string method, params object?[] arguments)
            => Unwrap(() => Type(typeName).GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments));

        /// <summary><c>model.GetDecayGroups(includeFrozen)</c> (WdGen.TorchSharp) on a model of a compiled test assembly.</summary>
        public static DecayGroups<Parameter> Groups(object model, bool includeFrozen = false)
            => ((IDecayGroupsModel)model).GetDecayGroups(includeFrozen);

        public DecayPlan Plan(string typeName) => DecayPlan.Of(Type(typeName));

        private static T Unwrap<T>(Func<T> call)
        {
            try
            {
                return call();
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
    }
}
