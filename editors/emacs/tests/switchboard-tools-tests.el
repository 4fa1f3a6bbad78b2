;;; switchboard-tools-tests.el --- Chats with tools (agent.run)  -*- lexical-binding: t; -*-

;;; Commentary:

;; With `switchboard-tools', a chat runs through `agent.run'; each
;; `tool.call' notification is written into the answer as a record
;; ("> [tool] NAME … STATUS" and its details) and rewritten as the
;; status changes; `tool.approve' is answered from
;; `switchboard-approve-function'; other requests of the daemon get
;; -32601.  So that no MCP server is needed, the daemon's
;; notifications and requests are fed in as it sends them, during a
;; real (slow) run.

;;; Code:

(require 'switchboard-test-helpers)

(ert-deftest switchboard-tools-records-and-approval ()
  "Tool calls are recorded in the answer, their status updated; tool.approve asks."
  (switchboard-tests-with-daemon
    (let ((switchboard-tools t)
          (asked nil)
          (answers nil))
      (with-current-buffer (switchboard-chat)
        (switchboard-tests-send "SLOW what time is it")
        (should (switchboard-tests-wait-until (lambda () (string-match-p "echo" (switchboard-tests-text)))))
        (let* ((connection (switchboard-rpc-connection))
               (id (switchboard-request-id (car (switchboard-rpc-requests))))
               (call (list :request_id id :call_id "c1" :name "time__now" :server "time"
                           :arguments '(:timezone "Europe/Paris") :status "pending"))
               (switchboard-approve-function (lambda (params) (push (plist-get params :name) asked)
                                               (equal (plist-get params :name) "time__now"))))
          (switchboard--handle-notification connection 'tool.call call)
          (push (switchboard--handle-request connection 'tool.approve call) answers)
          (push (switchboard--handle-request connection 'tool.approve (plist-put (copy-sequence call) :name "time__zone"))
                answers)
          (let ((refused (should-error (switchboard--handle-request connection 'editor.unknown nil)
                                       :type 'jsonrpc-error)))
            (should (equal (alist-get 'jsonrpc-error-code (cdr refused)) -32601)))
          (switchboard--handle-notification
           connection 'tool.call (append (list :status "completed" :result "12:00\nParis") call)))
        (switchboard-tests-idle)
        (should (equal (reverse asked) '("time__now" "time__zone")))
        (should (equal (reverse answers) '((:approved t) (:approved :json-false))))
        (let ((text (switchboard-tests-text)))
          (should (string-match-p (regexp-quote (concat "> [tool] time__now … completed\n"
                                                        ">   arguments: {\"timezone\":\"Europe/Paris\"}\n"
                                                        ">   result:\n>     12:00\n>     Paris\n"))
                                  text))
          (should (= 1 (cl-count-if (lambda (line) (string-prefix-p "> [tool]" line)) (split-string text "\n"))))
          ;; the record went in where the stream was; the answer goes on below it
          (should (string-match-p "what time is it\n\n## You\n\\'" text)))))))

(ert-deftest switchboard-tools-record-lines ()
  "A tool call record."
  (should (equal (switchboard-tool-record '(:name "read" :status "failed" :arguments (:path "a") :result "no such file"))
                 '("> [tool] read … failed" ">   arguments: {\"path\":\"a\"}" ">   result: no such file"))))

(provide 'switchboard-tools-tests)
;;; switchboard-tools-tests.el ends here
