// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;

namespace TorchSharp
{
    /// <summary>Switches gradient recording for a scope. The fixture records no graph; it only tracks the flag.</summary>
    public sealed class AutoGradMode : IDisposable
    {
        [ThreadStatic]
        private static bool disabled;

        private readonly bool previous;
        private bool disposed;

        public AutoGradMode(bool enabled)
        {
            previous = !disabled;
            disabled = !enabled;
        }

        public static bool IsEnabled => !disabled;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            disabled = !previous;
        }
    }

    /// <summary>
    /// A dispose scope. TorchSharp's disposes the tensors made inside it; the fixture's does nothing, so
    /// code under test must not rely on scopes to free tensors it later reads.
    /// </summary>
    public sealed class DisposeScope : IDisposable
    {
        internal DisposeScope()
        {
        }

        public T MoveToOuter<T>(T disposable) where T : IDisposable => disposable;

        public T Detach<T>(T disposable) where T : IDisposable => disposable;

        public void Dispose()
        {
        }
    }

    public static partial class torch
    {
        public static IDisposable no_grad() => new AutoGradMode(false);

        public static IDisposable enable_grad(bool enabled = true) => new AutoGradMode(enabled);

        public static bool is_grad_enabled() => AutoGradMode.IsEnabled;

        public static DisposeScope NewDisposeScope() => new DisposeScope();
    }
}
