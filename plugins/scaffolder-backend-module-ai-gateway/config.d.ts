export interface Config {
  scaffolder?: {
    aiGateway?: {
      /**
       * The local default: the folder `aigateway:publish:local` publishes into, one subfolder per
       * run, resolved against the backend's working directory (like `file` catalog locations).
       * The catalog must read `<folder>/*\/catalog-info.yaml` through a file Location (an optional
       * one, like templates/local-published.yaml). Unset: local publishing is disabled.
       */
      localPublishDirectory?: string;
    };
  };
}
