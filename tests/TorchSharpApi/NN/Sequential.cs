// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>
        /// Runs its modules in order. Like TorchSharp's, it keeps its children in its own lists ("0", "1", … or
        /// the names given) rather than the module registries, and overrides named_parameters (which yields
        /// nothing when recurse is false), named_buffers, named_children and named_modules.
        /// </summary>
        public class Sequential : torch.nn.Module<Tensor, Tensor>
        {
            private readonly List<torch.nn.IModule<Tensor, Tensor>> _modules = new List<torch.nn.IModule<Tensor, Tensor>>();
            private readonly List<string> _names = new List<string>();

            internal Sequential()
                : base(nameof(Sequential))
            {
            }

            protected Sequential(params (string name, torch.nn.Module<Tensor, Tensor> submodule)[] modules)
                : base(nameof(Sequential))
            {
                foreach (var (n, m) in modules) Add(n, m);
            }

            protected Sequential(params torch.nn.Module<Tensor, Tensor>[] modules)
                : base(nameof(Sequential))
            {
                foreach (var m in modules) Add(m);
            }

            public Sequential append(string name, torch.nn.IModule<Tensor, Tensor> module)
            {
                Add(name, module);
                return this;
            }

            public Sequential append(torch.nn.IModule<Tensor, Tensor> module)
            {
                Add(module);
                return this;
            }

            internal void Add(string name, torch.nn.IModule<Tensor, Tensor> module)
            {
                if (module is not torch.nn.Module) throw new ArgumentException("Sequential holds modules only.", nameof(module));
                _modules.Add(module);
                _names.Add(name);
            }

            internal void Add(torch.nn.IModule<Tensor, Tensor> module) => Add(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);

            public int Count => _modules.Count;

            [IndexerName("SequentialItems")]
            public torch.nn.IModule<Tensor, Tensor> this[int index] => _modules[index];

            public override IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
            {
                if (!recurse) yield break;

                var seen = new HashSet<IntPtr>();
                for (var i = 0; i < _names.Count; i++)
                {
                    foreach (var (n, p) in ((torch.nn.Module)_modules[i]).named_parameters(true))
                    {
                        if (!seen.Add(p.handle)) continue;
                        yield return ($"{_names[i]}.{n}", p);
                    }
                }
            }

            public override IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
            {
                if (!recurse) yield break;

                for (var i = 0; i < _names.Count; i++)
                {
                    foreach (var (n, b) in ((torch.nn.Module)_modules[i]).named_buffers(true))
                    {
                        yield return ($"{_names[i]}.{n}", b);
                    }
                }
            }

            public override IEnumerable<(string name, torch.nn.Module module)> named_children()
            {
                for (var i = 0; i < _names.Count; i++)
                {
                    yield return (_names[i], (torch.nn.Module)_modules[i]);
                }
            }

            public override Tensor forward(Tensor tensor)
            {
                if (_modules.Count == 0) throw new NotImplementedException("The TorchSharp fixture does not alias tensors.");
                var current = tensor;
                foreach (var m in _modules) current = m.call(current);
                return current;
            }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static Sequential Sequential() => new Sequential();

            public static Sequential Sequential(params (string name, torch.nn.Module<Tensor, Tensor> submodule)[] modules)
            {
                var result = new Sequential();
                foreach (var (n, m) in modules) result.Add(n, m);
                return result;
            }

            public static Sequential Sequential(params torch.nn.Module<Tensor, Tensor>[] modules)
            {
                var result = new Sequential();
                foreach (var m in modules) result.Add(m);
                return result;
            }

            public static Sequential Sequential(params Tuple<string, torch.nn.Module<Tensor, Tensor>>[] modules)
            {
                var result = new Sequential();
                foreach (var t in modules) result.Add(t.Item1, t.Item2);
                return result;
            }

            public static Sequential Sequential(IEnumerable<(string name, torch.nn.Module<Tensor, Tensor> submodule)> modules)
            {
                var result = new Sequential();
                foreach (var (n, m) in modules) result.Add(n, m);
                return result;
            }

            public static Sequential Sequential(IEnumerable<Tuple<string, torch.nn.Module<Tensor, Tensor>>> modules)
            {
                var result = new Sequential();
                foreach (var t in modules) result.Add(t.Item1, t.Item2);
                return result;
            }

            public static Sequential Sequential(IEnumerable<torch.nn.Module<Tensor, Tensor>> modules)
            {
                var result = new Sequential();
                foreach (var m in modules) result.Add(m);
                return result;
            }
        }
    }
}
