// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System.Collections;
using System.Collections.Generic;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>
        /// A list of modules. Its RegisterComponents (run when a parent registers it) registers the items it
        /// holds then as "0".."n-1"; items added afterwards are not registered.
        /// </summary>
        public class ModuleList<T> : torch.nn.Module, IList<T> where T : torch.nn.Module
        {
            private readonly List<T> _list = new List<T>();
            private bool _registered;

            public ModuleList(params T[] modules)
                : base(nameof(ModuleList<T>))
            {
                if (modules is not null) _list.AddRange(modules);
            }

            protected override void RegisterComponents()
            {
                if (_registered) return;
                for (var i = 0; i < _list.Count; i++)
                {
                    register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _list[i]);
                }

                _registered = true;
            }

            public T this[int index]
            {
                get => _list[index];
                set => _list[index] = value;
            }

            public int Count => _list.Count;

            public bool IsReadOnly => false;

            public void Add(T item) => _list.Add(item);

            public void append(params T[] modules)
            {
                if (modules is not null) _list.AddRange(modules);
            }

            public void extend(IEnumerable<T> modules) => _list.AddRange(modules);

            public void Clear() => _list.Clear();

            public bool Contains(T item) => _list.Contains(item);

            public void CopyTo(T[] array, int arrayIndex) => _list.CopyTo(array, arrayIndex);

            public IEnumerator<T> GetEnumerator() => _list.GetEnumerator();

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

            public int IndexOf(T item) => _list.IndexOf(item);

            public void Insert(int index, T item) => _list.Insert(index, item);

            public bool Remove(T item) => _list.Remove(item);

            public void RemoveAt(int index) => _list.RemoveAt(index);
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static ModuleList<Module> ModuleList(params Module[] modules) => new ModuleList<Module>(modules);

            public static ModuleList<T> ModuleList<T>(params T[] modules) where T : Module => new ModuleList<T>(modules);
        }
    }
}
