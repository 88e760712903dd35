import { Component, type ReactNode } from "react";
import { messageOf } from "./ApprovalCard.js";

type Props = { children: ReactNode; /** What is not shown, for the message ("the page", "this thread"). */ what: string };
type State = { error: unknown };

/**
 * Says what failed instead of leaving the page blank: a query the deployment
 * refused (signed out, a thread that is not yours) throws from `useQuery`
 * during render. "Try again" renders the children anew.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <div className="error" role="alert">
        <p>Could not show {this.props.what}: {messageOf(this.state.error)}</p>
        <button type="button" className="secondary" onClick={() => this.setState({ error: undefined })}>Try again</button>
      </div>
    );
  }
}
