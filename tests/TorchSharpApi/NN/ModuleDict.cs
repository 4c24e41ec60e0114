// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>
        /// Modules by name, in insertion order. Its RegisterComponents (run when a parent registers it) registers
        /// the items it holds then under their keys; items added afterwards are not registered.
        /// </summary>
        public class ModuleDict<T> : torch.nn.Module, IDictionary<string, T>, IList<(string, T)> where T : torch.nn.Module
        {
            private readonly Utils.OrderedDict<string, T> _items = new Utils.OrderedDict<string, T>();
            private bool _registered;

            public ModuleDict()
                : base(nameof(ModuleDict<T>))
            {
            }

            protected override void RegisterComponents()
            {
                if (_registered) return;
                foreach (var (k, m) in _items) register_module(k, m);
                _registered = true;
            }

            public void clear() => _items.Clear();

            public IEnumerator<(string, T)> items() => _items.GetEnumerator();

            public IEnumerable<string> keys() => _items.keys();

            public IEnumerable<T> values() => _items.values();

            public (string, T) this[int index]
            {
                get => _items[index];
                set => _items[index] = value;
            }

            public T this[string key]
            {
                get => _items[key];
                set => _items[key] = value;
            }

            public bool IsReadOnly => false;

            public ICollection<string> Keys => _items.Keys;

            public ICollection<T> Values => _items.Values;

            public int Count => _items.Count;

            public void Add((string, T) item) => _items.Add(item);

            public void Add(string key, T value) => _items.Add(key, value);

            public void Add(KeyValuePair<string, T> item) => _items.Add(item);

            public bool Contains((string, T) item) => _items.Contains(item);

            public bool Contains(KeyValuePair<string, T> item) => _items.Contains(item);

            public bool ContainsKey(string key) => _items.ContainsKey(key);

            public void CopyTo((string, T)[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

            public void CopyTo(KeyValuePair<string, T>[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

            public int IndexOf((string, T) item) => _items.IndexOf(item);

            public void Insert(int index, (string, T) item) => _items.Insert(index, item);

            public bool Remove((string, T) item) => _items.Remove(item);

            public bool Remove(KeyValuePair<string, T> item) => _items.Remove(item);

            public bool Remove(string key) => _items.Remove(key);

            public void RemoveAt(int index) => _items.RemoveAt(index);

            public bool TryGetValue(string key, out T value) => _items.TryGetValue(key, out value);

            public void Clear() => _items.Clear();

            public IEnumerator<(string, T)> GetEnumerator() => _items.GetEnumerator();

            IEnumerator<KeyValuePair<string, T>> IEnumerable<KeyValuePair<string, T>>.GetEnumerator()
                => ((IEnumerable<(string, T)>)_items).Select(kv => new KeyValuePair<string, T>(kv.Item1, kv.Item2)).GetEnumerator();

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static ModuleDict<Module> ModuleDict(params (string, Module)[] modules)
            {
                var result = new ModuleDict<Module>();
                foreach (var (n, m) in modules) result.Add((n, m));
                return result;
            }

            public static ModuleDict<T> ModuleDict<T>(params (string, T)[] modules) where T : Module
            {
                var result = new ModuleDict<T>();
                foreach (var (n, m) in modules) result.Add((n, m));
                return result;
            }
        }
    }
}
