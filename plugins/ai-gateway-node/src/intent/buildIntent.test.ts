import { parseEndpoint } from './buildIntent';

describe('parseEndpoint', () => {
  it.each([
    [
      'https://api.openai.com',
      { scheme: 'https', host: 'api.openai.com', hostKind: 'fqdn', port: 443 },
    ],
    [
      'http://ollama.team1.svc:11434',
      {
        scheme: 'http',
        host: 'ollama.team1.svc',
        hostKind: 'fqdn',
        port: 11434,
      },
    ],
    [
      'http://10.0.0.7',
      { scheme: 'http', host: '10.0.0.7', hostKind: 'ip', port: 80 },
    ],
    [
      'http://[fd00::7]:8080',
      { scheme: 'http', host: 'fd00::7', hostKind: 'ip', port: 8080 },
    ],
    [
      'https://API.Example.com./v1beta/openai/',
      {
        scheme: 'https',
        host: 'api.example.com',
        hostKind: 'fqdn',
        port: 443,
        pathPrefix: '/v1beta/openai',
      },
    ],
  ])('reads %s', (url, expected) => {
    expect(parseEndpoint(url)).toEqual(expected);
  });

  it('refuses hosts Envoy Gateway would not accept', () => {
    expect(parseEndpoint('http://my_host.svc:80')).toEqual({
      error:
        'host "my_host.svc" is not a DNS name Envoy Gateway accepts (lowercase letters, digits, "-" and ".")',
    });
  });
});
