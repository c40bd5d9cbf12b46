import { ApolloServerPlugin } from '@apollo/server';
import { AppError } from '../common/errors';

/**
 * Apollo would run a subscription sent over HTTP like a query, with no event to resolve: it is
 * refused before it runs, pointing to the WebSocket.
 */
export function subscriptionsOverHttpRefused(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new AppError(
            'Subscriptions run over WebSocket (graphql-ws, graphql-transport-ws) at this address',
            'BAD_REQUEST',
            { http: { status: 400 } },
          );
        },
      };
    },
  };
}
