import { describe, expect, test } from 'vitest';
import { deceptiveText, linkTarget } from './richtext';

describe('linkTarget', () => {
  test('web and mail links show their real, normalized target', () => {
    expect(linkTarget('HTTPS://Wallet.Example/help')).toEqual({
      href: 'https://wallet.example/help',
      protocol: 'https:',
      host: 'wallet.example',
    });
    // A Cyrillic "а" in a look-alike host shows as the punycode it is.
    expect(linkTarget('https://wаllet.example/')?.host).toBe('xn--wllet-4ve.example');
    expect(linkTarget('https://钱包.example:8443/帮助')).toEqual({
      href: 'https://xn--uir314m.example:8443/%E5%B8%AE%E5%8A%A9',
      protocol: 'https:',
      host: 'xn--uir314m.example:8443',
    });
    expect(linkTarget('mailto:support@wallet.example?subject=hi')).toMatchObject({
      protocol: 'mailto:',
      host: 'wallet.example',
    });
  });

  test('links the shell would refuse are not offered', () => {
    for (const href of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'data:text/html,<script>1</script>',
      'file:///etc/passwd',
      'tauri://localhost/',
      'https://wallet.example@evil.example/',
      'https://u:p@evil.example/',
      '/relative',
      '#top',
      '',
      'mailto:',
      `https://wallet.example/${'a'.repeat(2048)}`,
    ]) {
      expect(linkTarget(href), href).toBeNull();
    }
  });
});

describe('deceptiveText', () => {
  const target = (href: string) => linkTarget(href)!;

  test('a link whose text names another site is called out', () => {
    expect(deceptiveText('https://wallet.example/login', target('https://wallet-example.help/login'))).toBe(
      'wallet.example',
    );
    expect(deceptiveText('  wallet.example ', target('https://xn--wllet-4ve.example/'))).toBe('wallet.example');
    expect(deceptiveText('钱包.example', target('https://evil.example/'))).toBe('xn--uir314m.example');
  });

  test('honest links and ordinary words are left alone', () => {
    expect(deceptiveText('https://wallet.example/help', target('https://wallet.example/other'))).toBeNull();
    expect(deceptiveText('www.wallet.example', target('https://wallet.example/'))).toBeNull();
    expect(deceptiveText('our help article', target('https://wallet.example/'))).toBeNull();
    expect(deceptiveText('点击这里', target('https://wallet.example/'))).toBeNull();
    expect(deceptiveText('bob@evil.example', target('mailto:bob@wallet.example'))).toBeNull();
  });
});
