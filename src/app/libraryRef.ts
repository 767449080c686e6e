import type { Library } from '../search/library.ts';

/**
 * The library the front ends and the digest read at call time. A new corpus is swapped in whole: a
 * question already answering keeps the library it started with, the next one sees the new one.
 */
export class LibraryRef {
  #current: Library;

  constructor(library: Library) {
    this.#current = library;
  }

  get current(): Library {
    return this.#current;
  }

  /** Swaps the library in and returns the one it replaced. */
  replace(next: Library): Library {
    const previous = this.#current;
    this.#current = next;
    return previous;
  }
}
