// Runes everywhere: no legacy reactive statements sneak in.
export default {
  compilerOptions: { runes: true },
};
